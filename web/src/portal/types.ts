/**
 * The portal API's answers (docs: the portal contract, `/api/v1/portal/{tenant}`). Kept apart
 * from the internal app's types: the portal speaks to a different, much smaller API.
 */

export interface PortalTenant {
  name: string;
  display_name: string;
}

export interface PortalInfo {
  tenant: PortalTenant;
  locales: string[];
}

export interface PortalMe {
  id: string;
  name: string;
  email: string;
  locale: string;
  company_access: boolean;
  contact: { id: string; name: string };
  account: { id: string; name: string } | null;
  tenant: PortalTenant;
}

export interface PortalSession {
  token: string;
  csrf_token: string;
  expires_at: string;
  me: PortalMe;
}

export interface PortalCase {
  id: string;
  case_no: string;
  subject: string;
  status: string;
  status_label: string;
  priority: string;
  priority_label: string;
  type: string | null;
  type_label: string | null;
  created_at: string;
  updated_at: string;
  last_message_at: string | null;
  contact_name: string;
  waiting_on_you: boolean;
}

export interface PortalCaseDetail extends PortalCase {
  description: string | null;
  resolution: string | null;
  resolved_at: string | null;
  closed_at: string | null;
  can_reply: boolean;
  survey_url: string | null;
}

export interface PortalMessage {
  id: string;
  body: string;
  /** Sanitised by the server; the only HTML the portal ever renders. */
  body_html: string | null;
  from_customer: boolean;
  author: string;
  created_at: string;
}

export interface ArticleSummary {
  id: string;
  title: string;
  summary: string | null;
  category: { id: string; name: string } | null;
  updated_at: string;
}

export interface Article extends ArticleSummary {
  /** Sanitised rich text from the server. */
  body_html: string;
}

export interface Category {
  id: string;
  name: string;
  parent: string | null;
}

export interface Page<T> {
  records: T[];
  next_cursor: string | null;
}

export interface Invitation {
  email: string;
  name: string;
  company: string | null;
}

export type CaseScope = 'mine' | 'company';
export type CaseStatusFilter = 'open' | 'closed' | 'all';
export type Priority = 'low' | 'medium' | 'high';

export interface NewCase {
  subject: string;
  description?: string;
  type?: string;
  priority?: Priority;
}

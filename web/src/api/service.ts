/**
 * The customer service endpoints the console uses: the console page, a case's conversation,
 * the case actions (take, assign, resolve, close, reopen) and their bulk forms.
 */
import { qs, request } from './client';
import type { paths } from './schema.gen';

/** Compiles only while the server declares these routes (schema.gen.ts, `make api-types`). */
export type DeclaredRoutes = [
  paths['/api/v1/service/console']['get'],
  paths['/api/v1/service/cases/{case_id}/messages']['get'],
  paths['/api/v1/service/cases/{case_id}/messages']['post'],
  paths['/api/v1/records/case/{record_id}/take']['post'],
  paths['/api/v1/records/case/take_many']['post'],
  paths['/api/v1/records/case/assign_many']['post'],
];

const enc = encodeURIComponent;

export type ConsoleView = 'mine' | 'queue' | 'all_open';
export type SlaStatus = 'on_track' | 'warning' | 'breached' | 'paused' | 'met';

export interface ConsoleCase {
  id: string;
  case_no: string | null;
  subject: string;
  account: string | null;
  contact: string | null;
  type: string | null;
  priority: string;
  status: string;
  owner_id: string | null;
  queue: string | null;
  first_response_due: string | null;
  first_responded_at: string | null;
  resolution_due: string | null;
  sla_status: SlaStatus | null;
  next_due: string | null;
  created_at: string;
  _display?: Record<string, string>;
}

export interface ConsolePage {
  records: ConsoleCase[];
  next_cursor: string | null;
  /** Counted over at most 10,000 open cases: `capped` means more, each number a lower bound. */
  counts: { status: Record<string, number>; sla_status: Record<string, number>; capped?: boolean };
}

export interface CaseMessage {
  id: string;
  case: string;
  summary: string;
  body: string;
  visibility: 'internal' | 'public';
  direction: 'inbound' | 'outbound';
  created_at: string;
  created_by: string | null;
  /** A public reply's mail: sending, sent, or not sent with the reason (null for others). */
  send_status?: 'pending' | 'sent' | 'failed' | null;
  send_error?: string | null;
  _display?: Record<string, string>;
}

export interface CaseResult {
  id: string;
  status: string;
  owner_id: string | null;
}

export interface BulkResult {
  done: CaseResult[];
  errors: { id: string; status: number; code: string; fields: string[] }[];
}

export const serviceApi = {
  console: (params: { view: ConsoleView; queue?: string; status?: string; cursor?: string }, signal?: AbortSignal) =>
    request<ConsolePage>(`/api/v1/service/console${qs(params)}`, { signal }),
  messages: (caseId: string, signal?: AbortSignal) =>
    request<{ records: CaseMessage[]; next_cursor: string | null }>(`/api/v1/service/cases/${enc(caseId)}/messages?limit=500`, { signal }),
  reply: (caseId: string, body: string, visibility: 'internal' | 'public') =>
    request<CaseMessage>(`/api/v1/service/cases/${enc(caseId)}/messages`, { body: { body, visibility } }),
  action: (caseId: string, name: 'take' | 'assign' | 'resolve' | 'close' | 'reopen', body?: Record<string, unknown>) =>
    request<CaseResult>(`/api/v1/records/case/${enc(caseId)}/${name}`, { method: 'POST', body: body ?? {} }),
  /** Mail a reply whose sending failed again (the case_message's retry_send action). */
  retrySend: (messageId: string) =>
    request<{ send_status: string }>(`/api/v1/records/case_message/${enc(messageId)}/retry_send`, { method: 'POST' }),
  bulk: (name: 'take_many' | 'assign_many', body: { ids: string[]; user?: string }) =>
    request<BulkResult>(`/api/v1/records/case/${name}`, { body }),
};

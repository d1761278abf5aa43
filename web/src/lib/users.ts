/**
 * User administration: the /users and invitation endpoints, and the small decisions the
 * Users page and the accept-invite page make (which actions a row offers, what an invite
 * request contains, where a server error belongs). Kept out of api/endpoints.ts so it is
 * loaded only with the lazy Setup chunk and the accept page.
 */
import { qs, request } from '../api/client';
import type { AcceptInviteBody, LoginAnswer, ProblemFieldError } from '../api/types';

const enc = encodeURIComponent;

export type UserStatus = 'invited' | 'active' | 'inactive';
export const USER_STATUSES: UserStatus[] = ['invited', 'active', 'inactive'];

/** A user as GET /users describes it (record fields plus status and invitation). */
export interface AdminUser {
  id: string;
  name: string;
  email: string;
  title?: string | null;
  department?: string | null;
  department_name?: string | null;
  role?: string | null;
  role_name?: string | null;
  manager?: string | null;
  manager_name?: string | null;
  is_admin: boolean;
  status: UserStatus;
  last_login_at: string | null;
  invitation: { expires_at: string; expired: boolean } | null;
}

export interface UserPage {
  users: AdminUser[];
  next_cursor: string | null;
}

export interface UserQuery {
  status?: UserStatus | null;
  q?: string | null;
  cursor?: string | null;
  limit?: number;
}

/** POST /users/invite and /users/{id}/reinvite answer. */
export interface IssuedInvitation {
  user: { id: string; name?: string; email?: string } & Record<string, unknown>;
  accept_url: string;
  expires_at: string;
  email_sent: boolean;
}

/** One object to transfer; a bare name means every record of it. */
export type TransferObject = string | { object: string; filter?: unknown };

export interface TransferResult {
  from_user: string;
  to_user: string;
  transferred: Record<string, number>;
  total: number;
  failed: { object: string; id: string; code: string; errors?: { field: string; code: string }[] }[];
  failed_count: number;
}

/** GET /auth/invitation: what the invited person sees before choosing a password. */
export interface InvitationInfo {
  email: string;
  tenant: { name: string; label?: string | null };
  expires_at: string;
  /** False when the email already signs in to another company: prove that password instead. */
  needs_new_password: boolean;
}

export const usersApi = {
  list(query: UserQuery, signal?: AbortSignal) {
    return request<UserPage>(
      `/api/v1/users${qs({ status: query.status, q: query.q?.trim(), cursor: query.cursor, limit: query.limit ?? 50 })}`,
      { signal },
    );
  },
  invite(body: Record<string, unknown>) {
    return request<IssuedInvitation>('/api/v1/users/invite', { method: 'POST', body });
  },
  reinvite(id: string) {
    return request<IssuedInvitation>(`/api/v1/users/${enc(id)}/reinvite`, { method: 'POST' });
  },
  revokeInvitation(id: string) {
    return request<void>(`/api/v1/users/${enc(id)}/invitation`, { method: 'DELETE' });
  },
  deactivate(id: string) {
    return request<AdminUser>(`/api/v1/users/${enc(id)}/deactivate`, { method: 'POST' });
  },
  reactivate(id: string) {
    return request<AdminUser>(`/api/v1/users/${enc(id)}/reactivate`, { method: 'POST' });
  },
  transfer(id: string, toUser: string, objects?: TransferObject[]) {
    const body: Record<string, unknown> = { to_user: toUser };
    if (objects && objects.length) body.objects = objects;
    return request<TransferResult>(`/api/v1/users/${enc(id)}/transfer`, { method: 'POST', body });
  },
  invitation(token: string) {
    return request<InvitationInfo>(`/api/v1/auth/invitation${qs({ token })}`, { skipAuthRedirect: true });
  },
  accept(token: string, password: string, totp?: string | null) {
    const body: AcceptInviteBody = { token, password };
    if (totp && totp.trim()) body.totp = totp.trim();
    return request<LoginAnswer>('/api/v1/auth/accept-invite', { method: 'POST', body, skipAuthRedirect: true });
  },
};

export type UserAction = 'reinvite' | 'revoke' | 'deactivate' | 'reactivate' | 'transfer';

/**
 * The row actions that make sense for a user's status. Deactivating yourself or the last
 * administrator is still offered: the server's 409 explains why it cannot be done, which is
 * clearer than a silently missing button.
 */
export function userActions(user: Pick<AdminUser, 'status'>): UserAction[] {
  switch (user.status) {
    case 'invited':
      return ['reinvite', 'revoke', 'transfer'];
    case 'active':
      return ['deactivate', 'transfer'];
    case 'inactive':
      return ['reactivate', 'reinvite', 'transfer'];
    default:
      return ['transfer'];
  }
}

export const STATUS_COLORS: Record<UserStatus, string> = { invited: 'blue', active: 'green', inactive: 'default' };

/** A reference picked in a form (LookupSelect value). */
export interface PickedRef {
  value: string;
  label: string;
}

export interface InviteFormValues {
  email?: string;
  name?: string;
  title?: string;
  role?: PickedRef | null;
  department?: PickedRef | null;
  manager?: PickedRef | null;
  is_admin?: boolean;
  language?: string | null;
}

/** The invite request: trimmed text, references as ids, nothing sent for empty inputs. */
export function inviteBody(values: InviteFormValues): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const key of ['email', 'name', 'title'] as const) {
    const v = values[key]?.trim();
    if (v) body[key] = v;
  }
  for (const key of ['role', 'department', 'manager'] as const) {
    const ref = values[key];
    if (ref && ref.value) body[key] = ref.value;
  }
  if (values.is_admin) body.is_admin = true;
  if (values.language) body.language = values.language;
  return body;
}

/**
 * Split the API's field errors into those a form shows next to one of its inputs and the rest
 * (shown above the form), so no error is ever dropped.
 */
export function placeErrors(
  errors: ProblemFieldError[],
  formFields: readonly string[],
): { fields: { name: string; errors: string[] }[]; general: string[] } {
  const byField = new Map<string, string[]>();
  const general: string[] = [];
  for (const e of errors) {
    const name = e.field ?? '';
    if (formFields.includes(name)) byField.set(name, [...(byField.get(name) ?? []), e.message]);
    else general.push(name ? `${name}: ${e.message}` : e.message);
  }
  return { fields: [...byField.entries()].map(([name, errs]) => ({ name, errors: errs })), general };
}

/** Rows for the transfer result: every object asked for, largest count first. */
export function transferRows(result: TransferResult): { object: string; count: number }[] {
  return Object.entries(result.transferred)
    .map(([object, count]) => ({ object, count }))
    .sort((a, b) => b.count - a.count || a.object.localeCompare(b.object));
}

/** Put an updated user back into the loaded page (or drop it when it no longer matches the filter). */
export function replaceUser(users: AdminUser[], updated: AdminUser, status?: UserStatus | null): AdminUser[] {
  if (status && updated.status !== status) return users.filter((u) => u.id !== updated.id);
  return users.map((u) => (u.id === updated.id ? updated : u));
}

/** The invitation token from the accept link's query string (null when absent or blank). */
export function tokenFrom(search: string): string | null {
  const token = new URLSearchParams(search).get('token');
  return token && token.trim() ? token.trim() : null;
}

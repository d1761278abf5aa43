/**
 * The portal's own API client.
 *
 * The portal is a separate realm (see the portal contract): its session is the `keyi_portal`
 * cookie (HttpOnly, scoped to `/api/v1/portal/{tenant}`), and every non-GET carries the value of
 * the readable `keyi_portal_csrf` cookie as `x-csrf-token`. The internal client's CSRF cookie,
 * 401 handler and metadata are deliberately not used: a portal page must never act with (or
 * wait for) an internal session. A 401 `unauthenticated` on any call but the sign-in ones ends
 * the portal session in the UI (PortalSessionProvider sends the visitor back to that tenant's
 * sign-in page).
 */
import { ApiError, getApiLanguage, parseProblem, readCookie } from '../api/client';
import type { Problem, ProblemFieldError } from '../api/types';
import type {
  Article,
  ArticleSummary,
  CaseScope,
  CaseStatusFilter,
  Category,
  Invitation,
  NewCase,
  Page,
  PortalCase,
  PortalCaseDetail,
  PortalInfo,
  PortalMe,
  PortalMessage,
  PortalSession,
} from './types';

export const PORTAL_CSRF_COOKIE = 'keyi_portal_csrf';
export const PORTAL_CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

let unauthorized: (() => void) | null = null;

/** Called on a 401 from any portal call except those made with `anonymous` (sign-in, /me). */
export function onPortalUnauthorized(handler: (() => void) | null): void {
  unauthorized = handler;
}

export function portalBase(tenant: string): string {
  return `/api/v1/portal/${encodeURIComponent(tenant)}`;
}

/**
 * The contract names the platform's error shape as `{"error": {"code", "message", "fields"}}`,
 * while the platform answers RFC 9457 problem+json (`code`, `title`, `detail`, `errors`). Both
 * are read into one Problem, so the screens look only at `code` and the field errors.
 */
function normalise(problem: Problem): Problem {
  const wrapped = problem.error;
  if (!wrapped || typeof wrapped !== 'object') return problem;
  const e = wrapped as { code?: string; message?: string; fields?: unknown };
  let errors: ProblemFieldError[] | undefined;
  if (Array.isArray(e.fields)) errors = e.fields as ProblemFieldError[];
  else if (e.fields && typeof e.fields === 'object')
    errors = Object.entries(e.fields as Record<string, unknown>).map(([field, v]) => ({
      field,
      code: null,
      message: Array.isArray(v) ? v.map(String).join(' ') : typeof v === 'object' && v ? String((v as { message?: unknown }).message ?? '') : String(v),
    }));
  return { ...problem, code: e.code ?? problem.code, detail: e.message ?? problem.detail, errors: errors ?? problem.errors };
}

interface Options {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 here is an answer for the screen (wrong password, no session yet), not an expiry. */
  anonymous?: boolean;
}

export async function portalRequest<T>(tenant: string, path: string, opts: Options = {}): Promise<T> {
  const method = (opts.method ?? (opts.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const headers: Record<string, string> = {
    Accept: 'application/json, application/problem+json',
    'Accept-Language': getApiLanguage(),
  };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE_METHODS.has(method)) {
    const csrf = readCookie(PORTAL_CSRF_COOKIE);
    if (csrf) headers[PORTAL_CSRF_HEADER] = csrf;
  }
  let res: Response;
  try {
    res = await fetch(portalBase(tenant) + path, {
      method,
      headers,
      body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) {
    const problem = normalise(await parseProblem(res));
    // Only "no valid portal session" ends it; another 401 (a wrong current password) is an answer.
    const ended = res.status === 401 && (!problem.code || problem.code === 'unauthenticated');
    if (ended && !opts.anonymous && unauthorized) unauthorized();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204 || res.status === 202) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function query(params: Record<string, string | number | null | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

const id = (value: string) => encodeURIComponent(value);

/** One tenant's portal API. */
export function portalApi(tenant: string) {
  const call = <T>(path: string, opts?: Options) => portalRequest<T>(tenant, path, opts);
  return {
    info: (signal?: AbortSignal) => call<PortalInfo>('/info', { signal, anonymous: true }),
    login: (email: string, password: string) => call<PortalSession>('/login', { body: { email, password }, anonymous: true }),
    requestLink: (email: string) => call<void>('/login-link', { body: { email }, anonymous: true }),
    redeemLink: (token: string) => call<PortalSession>('/login-link/redeem', { body: { token }, anonymous: true }),
    invitation: (token: string, signal?: AbortSignal) => call<Invitation>(`/invitations/${id(token)}`, { signal, anonymous: true }),
    acceptInvitation: (token: string, password: string) => call<PortalSession>('/invitations/accept', { body: { token, password }, anonymous: true }),
    logout: () => call<void>('/logout', { method: 'POST', anonymous: true }),
    me: (signal?: AbortSignal) => call<PortalMe>('/me', { signal, anonymous: true }),
    updateMe: (changes: { locale?: string }) => call<PortalMe>('/me', { method: 'PATCH', body: changes }),
    changePassword: (current_password: string, new_password: string) => call<void>('/me/password', { body: { current_password, new_password } }),
    cases: (p: { scope?: CaseScope; status?: CaseStatusFilter; q?: string; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
      call<Page<PortalCase>>(`/cases${query(p)}`, { signal }),
    createCase: (body: NewCase) => call<PortalCaseDetail>('/cases', { body }),
    case: (caseId: string, signal?: AbortSignal) => call<PortalCaseDetail>(`/cases/${id(caseId)}`, { signal }),
    messages: (caseId: string, signal?: AbortSignal) => call<{ records: PortalMessage[] }>(`/cases/${id(caseId)}/messages`, { signal }),
    reply: (caseId: string, body: string) => call<PortalMessage>(`/cases/${id(caseId)}/messages`, { body: { body } }),
    articles: (p: { q?: string; category?: string | null; cursor?: string | null; limit?: number }, signal?: AbortSignal) =>
      call<Page<ArticleSummary>>(`/articles${query(p)}`, { signal }),
    article: (articleId: string, signal?: AbortSignal) => call<Article>(`/articles/${id(articleId)}`, { signal }),
    categories: (signal?: AbortSignal) => call<{ records: Category[] }>('/categories', { signal }),
  };
}

export type PortalApi = ReturnType<typeof portalApi>;

/** The error's code, from either error shape (see `normalise`). */
export function codeOf(e: unknown): string | undefined {
  return e instanceof ApiError ? e.code : undefined;
}

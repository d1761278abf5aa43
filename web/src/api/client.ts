/**
 * Thin fetch wrapper for the Keyi API.
 * - same-origin, relative URLs ('' base), cookies included;
 * - sends Accept-Language (the current UI language);
 * - sends X-CSRF-Token (value of the keyi_csrf cookie) on every non-GET request;
 * - turns application/problem+json answers into ApiError.
 */
import type { Lang, Problem, ProblemFieldError } from './types';

export const API_BASE = '';
export const CSRF_COOKIE = 'keyi_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

let currentLanguage: Lang = 'en';
let unauthorizedHandler: (() => void) | null = null;

export function setApiLanguage(lang: Lang): void {
  currentLanguage = lang;
}
export function getApiLanguage(): Lang {
  return currentLanguage;
}
/** Called on every 401 answer (except from the login call itself). */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

export function readCookie(name: string, cookieString?: string): string | null {
  const source = cookieString ?? (typeof document !== 'undefined' ? document.cookie : '');
  for (const part of source.split(';')) {
    const idx = part.indexOf('=');
    if (idx < 0) continue;
    const key = part.slice(0, idx).trim();
    if (key === name) {
      const raw = part.slice(idx + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
  get code(): string | undefined {
    return this.problem.code;
  }
  get fieldErrors(): ProblemFieldError[] {
    return Array.isArray(this.problem.errors) ? this.problem.errors : [];
  }
  /** True for network failures (no answer from the server). */
  get isNetwork(): boolean {
    return this.status === 0;
  }
}

export interface RequestOptions {
  method?: string;
  /** JSON-encoded, except a FormData (a file upload), which goes as multipart/form-data. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Don't call the global 401 handler (used by login and /me). */
  skipAuthRedirect?: boolean;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function buildHeaders(method: string, hasBody: boolean, extra?: Record<string, string>): Headers {
  const headers = new Headers();
  headers.set('Accept', 'application/json, application/problem+json');
  headers.set('Accept-Language', currentLanguage);
  if (hasBody) headers.set('Content-Type', 'application/json');
  if (!SAFE_METHODS.has(method.toUpperCase())) {
    const csrf = readCookie(CSRF_COOKIE);
    if (csrf) headers.set(CSRF_HEADER, csrf);
  }
  if (extra) for (const [k, v] of Object.entries(extra)) headers.set(k, v);
  return headers;
}

export async function parseProblem(res: Response): Promise<Problem> {
  const type = res.headers.get('Content-Type') || '';
  let text: string;
  try {
    text = await res.text();
  } catch {
    text = '';
  }
  if (text && (type.includes('json') || /^\s*[{[]/.test(text))) {
    try {
      const data = JSON.parse(text) as unknown;
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        const p = data as Problem;
        // FastAPI's default {"detail": [...]} validation shape → normalise.
        if (Array.isArray((p as { detail?: unknown }).detail)) {
          const details = (p as unknown as { detail: { loc?: unknown[]; msg?: string; type?: string }[] }).detail;
          return {
            status: res.status,
            title: res.statusText,
            errors: details.map((d) => ({
              field: Array.isArray(d.loc) ? String(d.loc[d.loc.length - 1]) : null,
              code: d.type ?? null,
              message: d.msg ?? '',
            })),
          };
        }
        return { status: res.status, ...p };
      }
    } catch {
      /* fall through */
    }
  }
  return { status: res.status, title: res.statusText || `HTTP ${res.status}`, detail: text.slice(0, 300) || undefined };
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const method = (opts.method || (opts.body !== undefined ? 'POST' : 'GET')).toUpperCase();
  const hasBody = opts.body !== undefined;
  // A form is sent as it is: fetch writes its multipart Content-Type (with the boundary).
  const form = typeof FormData !== 'undefined' && opts.body instanceof FormData ? opts.body : null;
  let res: Response;
  try {
    res = await fetch(API_BASE + path, {
      method,
      headers: buildHeaders(method, hasBody && !form, opts.headers),
      body: form ?? (hasBody ? JSON.stringify(opts.body) : undefined),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!res.ok) {
    const problem = await parseProblem(res);
    if (res.status === 401 && !opts.skipAuthRedirect && unauthorizedHandler) unauthorizedHandler();
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (!text) return undefined as T;
  return JSON.parse(text) as T;
}

/** Encode a query string, skipping undefined/null/'' values. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

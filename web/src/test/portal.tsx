/**
 * Test helpers for the customer portal: a stubbed portal API (every request recorded with its
 * headers, so tests can check the CSRF header) and the portal rendered at a URL the way App.tsx
 * routes it, with the current location shown for redirect assertions.
 */
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { vi } from 'vitest';
import type { Lang } from '../api/types';
import PortalApp, { PORTAL_LANG_KEY } from '../portal/PortalApp';
import type { PortalCase, PortalCaseDetail, PortalMe, PortalMessage } from '../portal/types';
import { json, problem } from './session';

export const TENANT = 'acme';
export const BASE = `/api/v1/portal/${TENANT}`;
export const CSRF = 'csrf-from-cookie-123';

/** One request the portal sent: path below the tenant's API base, query apart. */
export interface PortalSent {
  url: string;
  path: string;
  query: URLSearchParams;
  method: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

export const INFO = { tenant: { name: TENANT, display_name: 'Acme 科技' }, locales: ['zh-CN', 'en'] };

export function me(changes: Partial<PortalMe> = {}): PortalMe {
  return {
    id: 'pu1',
    name: '张三',
    email: 'zhang@example.com',
    locale: 'en',
    company_access: false,
    contact: { id: 'c1', name: '张三' },
    account: { id: 'a1', name: '华东制造' },
    tenant: INFO.tenant,
    ...changes,
  };
}

export function session(changes: Partial<PortalMe> = {}) {
  return { token: 'tok', csrf_token: CSRF, expires_at: '2027-01-01T00:00:00Z', me: me(changes) };
}

export function portalCase(n: number, changes: Partial<PortalCase> = {}): PortalCase {
  return {
    id: `case-${n}`,
    case_no: `GD-2026-${String(n).padStart(6, '0')}`,
    subject: `Case subject ${n}`,
    status: 'in_progress',
    status_label: 'In progress',
    priority: 'medium',
    priority_label: 'Medium',
    type: 'fault',
    type_label: 'Fault / repair',
    created_at: '2026-12-01T02:00:00Z',
    updated_at: '2026-12-02T02:00:00Z',
    last_message_at: null,
    contact_name: '张三',
    waiting_on_you: false,
    ...changes,
  };
}

export function caseDetail(n: number, changes: Partial<PortalCaseDetail> = {}): PortalCaseDetail {
  return { ...portalCase(n), description: 'The printer jams.', resolution: null, resolved_at: null, closed_at: null, can_reply: true, survey_url: null, ...changes };
}

export function message(id: string, changes: Partial<PortalMessage> = {}): PortalMessage {
  return { id, body: `text ${id}`, body_html: null, from_customer: true, author: '张三', created_at: '2026-12-01T02:00:00Z', ...changes };
}

/** URLs asked for outside the portal API since the last stubPortal (the portal must ask none). */
export const outside: string[] = [];

/**
 * Stub `fetch`. `answer` gets each request and returns a Response (for errors, 201s, 204s), a
 * value (answered as 200 JSON), or undefined for the defaults: /info → INFO; /me → `signedIn`
 * (a Me) or 401. A request outside the portal API is answered 401 and listed in `outside`.
 */
export function stubPortal(answer: (s: PortalSent) => unknown, signedIn: PortalMe | null = me()): PortalSent[] {
  const sent: PortalSent[] = [];
  outside.length = 0;
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      if (!url.startsWith(`${BASE}/`)) {
        outside.push(url);
        return problem(401, { code: 'unauthenticated', title: 'Not the portal API' });
      }
      const [path, search = ''] = url.slice(BASE.length).split('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) headers[k.toLowerCase()] = v;
      const s: PortalSent = { url, path, query: new URLSearchParams(search), method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : {}, headers };
      sent.push(s);
      const given = answer(s);
      if (given instanceof Response) return given;
      if (given !== undefined) return json(200, given);
      if (path === '/info') return json(200, INFO);
      if (path === '/me' && s.method === 'GET') return signedIn ? json(200, signedIn) : problem(401, { code: 'unauthenticated', title: 'Sign in first' });
      throw new Error(`unexpected ${s.method} ${url}`);
    }),
  );
  return sent;
}

function Where() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Render the portal at `path`; `lang` is stored as this browser's portal language (null: none). */
export function renderPortal(path: string, lang: Lang | null = 'en') {
  if (lang) localStorage.setItem(PORTAL_LANG_KEY, lang);
  else localStorage.removeItem(PORTAL_LANG_KEY);
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/portal/:tenant/*" element={<PortalApp />} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

export function setCsrfCookie(value: string | null): void {
  document.cookie = value ? `keyi_portal_csrf=${value}; path=/` : 'keyi_portal_csrf=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT';
}

export const WAIT = { timeout: 10000 };

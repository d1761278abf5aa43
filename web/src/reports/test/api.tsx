/**
 * The reports screens' tests: a stubbed `fetch` that answers by method and path and records
 * every request (with its headers: saves and deletes send If-Match), and the providers the app
 * renders the screens in, signed in as `user`.
 */
import { render } from '@testing-library/react';
import { App as AntApp, ConfigProvider } from 'antd';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router-dom';
import { vi } from 'vitest';
import type { Lang, ObjectMeta, User } from '../../api/types';
import { I18nProvider } from '../../i18n';
import { StaticMetadataProvider } from '../../state/metadata';
import { SessionProvider } from '../../state/session';
import { OBJECTS } from '../../test/fixtures';

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  headers: Headers;
}

/** An answer: a JSON body (status 200), or [status, body]. */
export type Answer = unknown | [number, unknown];
export type Routes = Record<string, (c: Call) => Answer>;

export const USER: User = { id: 'U1', name: 'Rep Li', email: 'li@example.com', is_admin: false };

/** Stub fetch: `routes` keyed "METHOD /path" (no query); /api/v1/me answers `user`. */
export function stubFetch(routes: Routes, user: User = USER): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const u = new URL(url, 'http://keyi.test');
      const call: Call = {
        method: init.method ?? 'GET',
        path: u.pathname,
        query: u.searchParams,
        body: init.body ? JSON.parse(String(init.body)) : {},
        headers: new Headers(init.headers),
      };
      calls.push(call);
      const key = `${call.method} ${call.path}`;
      let answer: Answer;
      if (key === 'GET /api/v1/me') answer = { user, tenant: { name: 'acme', currency: 'CNY', locale: 'en-US', time_zone: 'Asia/Shanghai' } };
      else if (routes[key]) answer = routes[key](call);
      else answer = [404, { title: 'Not Found', code: 'not_found' }];
      const [status, body] = Array.isArray(answer) && answer.length === 2 && typeof answer[0] === 'number' ? answer : [200, answer];
      if (status === 204) return new Response(null, { status });
      return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });
    }),
  );
  return calls;
}

/** The location the app is at (a test asserts where a click navigated). */
function Where() {
  const l = useLocation();
  return <div data-testid="location">{l.pathname + l.search}</div>;
}

export function renderReports(path: string, routes: Record<string, ReactElement>, opts: { lang?: Lang; objects?: ObjectMeta[] } = {}) {
  return render(
    <I18nProvider initial={opts.lang ?? 'en'}>
      <ConfigProvider>
        <AntApp>
          <SessionProvider>
            <StaticMetadataProvider objects={opts.objects ?? OBJECTS}>
              <MemoryRouter initialEntries={[path]}>
                <Routes>
                  {Object.entries(routes).map(([route, element]) => (
                    <Route key={route} path={route} element={element} />
                  ))}
                  <Route path="*" element={null} />
                </Routes>
                <Where />
              </MemoryRouter>
            </StaticMetadataProvider>
          </SessionProvider>
        </AntApp>
      </ConfigProvider>
    </I18nProvider>,
  );
}

import { render } from '@testing-library/react';
import { App as AntApp } from 'antd';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import type { Lang } from '../api/types';
import { I18nProvider } from '../i18n';
import { SessionProvider } from '../state/session';

/**
 * Test helpers for pages that run inside the real session (login, invitation, password pages):
 * they talk to the API through `fetch`, so tests stub it with these answers and render the page
 * under the same providers the app uses.
 */

/** A JSON answer; 4xx/5xx are problem+json like the server's. A 202/204 has no body. */
export function json(status: number, body: unknown): Response {
  return new Response(status === 204 || status === 202 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

/** A problem+json answer carrying its own status, as the server writes one. */
export function problem(status: number, body: object): Response {
  return json(status, { status, ...body });
}

/** What `/api/v1/me` answers to a browser that is not signed in. */
export const SIGNED_OUT = () => problem(401, { title: 'Unauthorized' });

/**
 * Render `routes` (path → page) at `path` inside the i18n, antd, session and router providers.
 * The session provider asks `/api/v1/me` first, so stub `fetch` before calling this.
 */
export function renderRoutes(path: string, routes: Record<string, ReactElement>, lang: Lang = 'en') {
  return render(
    <I18nProvider initial={lang}>
      <AntApp>
        <SessionProvider>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              {Object.entries(routes).map(([route, element]) => (
                <Route key={route} path={route} element={element} />
              ))}
            </Routes>
          </MemoryRouter>
        </SessionProvider>
      </AntApp>
    </I18nProvider>,
  );
}

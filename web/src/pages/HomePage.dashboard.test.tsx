import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dashboard, DASHBOARD_ID, runAnswer } from '../dashboards/fixtures';
import { readHomeHint, writeHomeHint } from '../dashboards/home';
import type { ReactNode } from 'react';
import { StaticMetadataProvider } from '../state/metadata';
import { useSession } from '../state/session';
import { stubApi, type Sent } from '../test/fetch';
import { OBJECTS } from '../test/fixtures';
import { renderRoutes } from '../test/session';
import HomePage from './HomePage';

// ECharts draws on a canvas jsdom does not have; when its lazy chunk resolved before a test ended
// (a slow, loaded CI machine) the real chart threw mid-render. The charts have their own tests.
vi.mock('../charts/EChart', () => ({ default: () => <div data-testid="echart" /> }));

beforeEach(() => localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

const ME = { user: { id: 'u-rep', name: 'Rep Li', email: 'li@acme.cn' }, tenant: { name: 'acme' } };

function server(home: string | null) {
  return stubApi((s: Sent) => {
    const path = s.url.split('?')[0];
    if (path === '/api/v1/me') return ME;
    if (path === '/api/v1/dashboards/home') return { dashboard_id: home, source: home ? 'role' : null };
    if (path === `/api/v1/dashboards/${DASHBOARD_ID}`) return dashboard();
    if (path === `/api/v1/dashboards/${DASHBOARD_ID}/run`) return runAnswer();
    if (path.endsWith('/aggregate')) return { groups: [{ key: {}, values: { count: 7 } }] };
    if (path.startsWith('/api/v1/records/')) return { records: [], next_cursor: null };
    return {};
  });
}

/** As in the app (RequireAuth): the home page renders once the session is known. */
function SignedIn({ children }: { children: ReactNode }) {
  return useSession().session ? <>{children}</> : null;
}

function renderHome() {
  return renderRoutes('/', {
    '/': (
      <SignedIn>
        <StaticMetadataProvider objects={OBJECTS}>
          <HomePage />
        </StaticMetadataProvider>
      </SignedIn>
    ),
  });
}

describe('HomePage with a home dashboard', () => {
  it('shows the role’s dashboard read-only, with a link to open it, instead of the default home', async () => {
    // A person who had it last time: the default home is not even started.
    writeHomeHint('acme', 'u-rep', DASHBOARD_ID);
    const sent = server(DASHBOARD_ID);
    renderHome();
    const home = await screen.findByTestId('home-dashboard');
    expect(await within(home).findByTestId('widget-pipe')).toBeTruthy();
    expect(within(home).getByTestId('dashboard-name').textContent).toBe('Sales overview');
    const open = within(home).getByTestId('dashboard-open');
    expect(open.getAttribute('href')).toBe(`/dashboards/${DASHBOARD_ID}`);
    expect(open.textContent).toBe('Open to edit');
    expect(within(home).queryByTestId('dashboard-edit')).toBeNull();
    expect(document.querySelector('.ky-tiles')).toBeNull();
    expect(sent.some((s) => s.url.endsWith('/aggregate'))).toBe(false);
    expect(readHomeHint('acme', 'u-rep')).toBe(DASHBOARD_ID);
  });

  it('switches to the dashboard on a first visit, once the answer names one', async () => {
    const sent = server(DASHBOARD_ID);
    renderHome();
    // Nothing remembered: today's home at once (most people have no home dashboard; its tiles
    // asked for their counts)…
    await waitFor(() => expect(sent.some((s) => s.url.endsWith('/aggregate'))).toBe(true));
    // …then the dashboard the server names.
    expect(await screen.findByTestId('home-dashboard')).toBeTruthy();
    expect(document.querySelector('.ky-tiles')).toBeNull();
  });

  it('goes back to today’s home when the dashboard this browser remembered is no longer the home page', async () => {
    writeHomeHint('acme', 'u-rep', DASHBOARD_ID);
    const sent = server(null);
    renderHome();
    await waitFor(() => expect(readHomeHint('acme', 'u-rep')).toBeNull());
    await waitFor(() => expect(document.querySelector('.ky-tiles')).not.toBeNull());
    expect(screen.queryByTestId('home-dashboard')).toBeNull();
    expect(sent.filter((s) => s.url === '/api/v1/dashboards/home')).toHaveLength(1);
  });
});

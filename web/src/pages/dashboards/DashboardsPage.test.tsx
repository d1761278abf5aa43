import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router-dom';
import type { DashboardSummary, HomeChoice } from '../../dashboards/api';
import { StaticMetadataProvider } from '../../state/metadata';
import { stubApi, type Sent } from '../../test/fetch';
import { OBJECTS } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import { renderRoutes } from '../../test/session';
import DashboardsPage, { inScope } from './DashboardsPage';

afterEach(() => vi.unstubAllGlobals());

const FOLDER = 'f0000000-0000-4000-8000-000000000001';
const summary = (id: string, name: string, folder_id: string | null, extra: Partial<DashboardSummary> = {}): DashboardSummary => ({
  id,
  name,
  folder_id,
  owner_id: 'u1',
  can_edit: true,
  version: 2,
  updated_at: '2026-05-01T02:00:00Z',
  ...extra,
});

/** The list, the recycle bin, folders and the home choice, with what the page changes. */
function server() {
  let live = [summary('d-mine', 'My pipeline', null), summary('d-team', { en: 'Team board', 'zh-CN': '团队看板' } as never, FOLDER, { can_edit: false })];
  let bin = [summary('d-old', 'Old board', null, { deleted_at: '2026-04-30T01:00:00Z' })];
  let home: HomeChoice = { dashboard_id: 'd-team', source: 'role' };
  const sent = stubApi((s: Sent) => {
    const path = s.url.split('?')[0];
    if (path === '/api/v1/dashboards' && s.method === 'GET') return { dashboards: s.url.includes('deleted=true') ? bin : live };
    if (path === '/api/v1/report-folders') return { folders: [{ id: FOLDER, name: { en: 'Sales team', 'zh-CN': '销售团队' }, owner_id: 'u0', sharing: { kind: 'all' }, can_manage: false }] };
    if (path === '/api/v1/dashboards/home' && s.method === 'GET') return home;
    if (path === '/api/v1/dashboards/home' && s.method === 'PUT') {
      home = { dashboard_id: (s.body.dashboard_id as string) ?? null, source: s.body.dashboard_id ? 'user' : null };
      return home;
    }
    if (s.method === 'DELETE') {
      const gone = live.find((d) => path.endsWith(d.id))!;
      live = live.filter((d) => d !== gone);
      bin = [...bin, gone];
      return {};
    }
    if (path.endsWith('/restore')) {
      const back = bin.find((d) => path.includes(d.id))!;
      bin = bin.filter((d) => d !== back);
      live = [...live, back];
      return back;
    }
    if (path === '/api/v1/me') return { user: { id: 'admin', name: 'Admin', email: 'a@acme.cn', is_admin: true }, tenant: { name: 'acme' } };
    if (path === '/api/v1/records/role') return { records: [{ id: 'role-rep', name: 'Sales rep' }], next_cursor: null };
    if (path.startsWith('/api/v1/dashboards/home/roles/')) return { dashboard_id: s.body.dashboard_id };
    if (path === '/api/v1/dashboards' && s.method === 'POST') return { ...summary('d-new', String(s.body.name), null), layout: [], filters: {} };
    return {};
  });
  return sent;
}

function renderPage() {
  return renderWith(
    <Routes>
      <Route path="/dashboards" element={<DashboardsPage />} />
      <Route path="/dashboards/:id" element={<div data-testid="opened" />} />
    </Routes>,
    { path: '/dashboards' },
  );
}

async function menu(id: string, item: string) {
  fireEvent.click(screen.getByTestId(`dash-actions-${id}`));
  fireEvent.click(await screen.findByText(item));
}

describe('DashboardsPage', () => {
  it('lists dashboards by folder, marks the home page, and sets my own home page', async () => {
    const sent = server();
    renderPage();
    const mine = await screen.findByTestId('dash-row-d-mine');
    expect(within(mine).getByText('My pipeline').closest('a')?.getAttribute('href')).toBe('/dashboards/d-mine');
    const team = screen.getByTestId('dash-row-d-team');
    expect(team.textContent).toContain('Team board');
    expect(screen.getByTestId(`dash-scope-${FOLDER}`).textContent).toBe('Sales team1');
    expect(screen.getByTestId('dash-scope-mine').textContent).toBe('My dashboards1');
    expect(within(team).getByTestId('home-tag').textContent).toBe('Home page (from my role)');

    // The folder list narrows the rows.
    fireEvent.click(screen.getByTestId(`dash-scope-${FOLDER}`));
    expect(screen.queryByTestId('dash-row-d-mine')).toBeNull();
    fireEvent.click(screen.getByTestId('dash-scope-mine'));
    expect(screen.queryByTestId('dash-row-d-team')).toBeNull();
    fireEvent.click(screen.getByTestId('dash-scope-all'));

    await menu('d-mine', 'Set as my home page');
    await waitFor(() => expect(within(screen.getByTestId('dash-row-d-mine')).getByTestId('home-tag').textContent).toBe('My home page'));
    expect(sent.find((s) => s.method === 'PUT')?.body).toEqual({ dashboard_id: 'd-mine' });
    expect(within(screen.getByTestId('dash-row-d-team')).queryByTestId('home-tag')).toBeNull();
    // Not the person's to delete: no delete in its menu; no role home for a non-administrator.
    fireEvent.click(screen.getByTestId('dash-actions-d-team'));
    await waitFor(() => expect(document.querySelectorAll('.ant-dropdown')).toHaveLength(2));
    const teamMenu = [...document.querySelectorAll('.ant-dropdown')].at(-1) as HTMLElement;
    expect(teamMenu.textContent).toBe('Set as my home page');
  });

  it('deletes into the recycle bin with the version, and restores from it', async () => {
    const sent = server();
    renderPage();
    await screen.findByTestId('dash-row-d-mine');
    await menu('d-mine', 'Delete');
    await waitFor(() => expect(screen.queryByTestId('dash-row-d-mine')).toBeNull());
    const del = sent.find((s) => s.method === 'DELETE')!;
    expect(del.url).toBe('/api/v1/dashboards/d-mine');
    // With the version read: a dashboard changed since is not deleted blindly.
    const [, init] = vi.mocked(fetch).mock.calls.find(([, i]) => i?.method === 'DELETE')!;
    expect(new Headers(init?.headers).get('If-Match')).toBe('"2"');

    fireEvent.click(screen.getByTestId('dash-scope-bin'));
    expect(await screen.findByTestId('dash-row-d-old')).toBeTruthy();
    expect(screen.getByTestId('dash-row-d-mine').querySelector('a')).toBeNull();
    fireEvent.click(screen.getByTestId('dash-restore-d-mine'));
    await waitFor(() => expect(screen.queryByTestId('dash-row-d-mine')).toBeNull());
    expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/dashboards/d-mine/restore')).toBe(true);
    fireEvent.click(screen.getByTestId('dash-scope-all'));
    expect(await screen.findByTestId('dash-row-d-mine')).toBeTruthy();
  });

  it('creates a dashboard in my dashboards and opens it', async () => {
    const sent = server();
    renderPage();
    await screen.findByTestId('dash-row-d-mine');
    fireEvent.click(screen.getByTestId('new-dashboard'));
    fireEvent.change(await screen.findByTestId('new-dashboard-name'), { target: { value: '  华东销售  ' } });
    fireEvent.click(screen.getByTestId('new-dashboard-ok'));
    expect(await screen.findByTestId('opened')).toBeTruthy();
    expect(sent.find((s) => s.method === 'POST')?.body).toEqual({ name: '华东销售', folder_id: null, layout: [], filters: {} });
  });

  it('lets an administrator make a dashboard a role’s home page', async () => {
    const sent = server();
    renderRoutes('/dashboards', {
      '/dashboards': (
        <StaticMetadataProvider objects={OBJECTS}>
          <DashboardsPage />
        </StaticMetadataProvider>
      ),
    });
    await screen.findByTestId('dash-row-d-team');
    await menu('d-team', 'Set as a role’s home page…');
    const dialog = await screen.findByRole('dialog');
    expect(dialog.textContent).toContain('Home page for a role: Team board');
    fireEvent.mouseDown(within(dialog).getByRole('combobox'));
    fireEvent.click(await screen.findByText('Sales rep'));
    fireEvent.click(screen.getByTestId('role-home-set'));
    await waitFor(() => expect(sent.some((s) => s.url === '/api/v1/dashboards/home/roles/role-rep')).toBe(true));
    expect(sent.find((s) => s.url === '/api/v1/dashboards/home/roles/role-rep')).toMatchObject({ method: 'PUT', body: { dashboard_id: 'd-team' } });
    expect(await screen.findByText('Home page set for Sales rep')).toBeTruthy();
  });

  it('picks the rows of a scope', () => {
    const all = [summary('a', 'A', null), summary('b', 'B', FOLDER)];
    expect(inScope(all, { kind: 'mine' }).map((d) => d.id)).toEqual(['a']);
    expect(inScope(all, { kind: 'folder', id: FOLDER }).map((d) => d.id)).toEqual(['b']);
    expect(inScope(all, { kind: 'all' })).toHaveLength(2);
  });
});

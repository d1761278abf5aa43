import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router-dom';
import type { Dashboard, DashboardRun, KpiResult } from '../../dashboards/api';
import { attainmentAnswer, dashboard, DASHBOARD_ID, DASHBOARD_OBJECTS, REPORT_ID, runAnswer } from '../../dashboards/fixtures';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import DashboardPage from './DashboardPage';

// A chart widget draws with ECharts, which needs a real canvas (the browser journey draws it).
vi.mock('../../charts/EChart', () => ({ default: () => <div data-testid="echart" /> }));

beforeEach(() => {
  // Only the clock: antd's timers stay real. 15 May 2026 is in the fiscal quarter from May
  // when the fiscal year starts in February (calendar: the quarter from April).
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-05-15T04:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const path = (s: Sent) => s.url.split('?')[0];

/** A dashboards server: the dashboard (its version bumps on save), its run, the reports, targets. */
function server(opts: { stored?: Dashboard; patchStatus?: () => number; answer?: () => DashboardRun } = {}) {
  let stored = opts.stored ?? dashboard();
  const sent = stubApi(
    (s) => {
      const p = path(s);
      if (p === `/api/v1/dashboards/${DASHBOARD_ID}` && s.method === 'GET') return stored;
      if (p === `/api/v1/dashboards/${DASHBOARD_ID}` && s.method === 'PATCH') {
        if (opts.patchStatus?.() === 412) return { status: 412, code: 'stale_version', title: 'Stale', current: stored.version + 1 };
        stored = { ...stored, ...(s.body as Partial<Dashboard>), version: stored.version + 1 };
        return stored;
      }
      if (p === `/api/v1/dashboards/${DASHBOARD_ID}/run`) {
        const named = s.body.widgets as string[] | undefined;
        const answer = (opts.answer ?? runAnswer)();
        return named ? { ...answer, widgets: answer.widgets.filter((w) => named.includes(w.id)) } : answer;
      }
      if (p === '/api/v1/analytics/settings') return { fiscal_year_start_month: 2 };
      if (p === '/api/v1/analytics/targets/attainment') return attainmentAnswer();
      if (p === '/api/v1/reports') return { reports: [{ id: REPORT_ID, name: 'Pipeline by stage', folder_id: null, object: 'opportunity', type: 'summary' }] };
      if (p === `/api/v1/reports/${REPORT_ID}`)
        return { id: REPORT_ID, name: 'Pipeline by stage', folder_id: null, object: 'opportunity', type: 'summary', definition: { object: 'opportunity', type: 'summary', aggregates: [{ op: 'sum', field: 'amount' }, { op: 'count' }] } };
      if (p === '/api/v1/records/department') return { records: [{ id: 'dep-east', name: 'East China' }], next_cursor: null };
      if (p === '/api/v1/records/user/query') return { records: [{ id: 'u-li', name: 'Rep Li' }], next_cursor: null };
      if (p.startsWith('/api/v1/records/')) return { records: [], next_cursor: null };
      return {};
    },
    (s) => (s.method === 'PATCH' && opts.patchStatus ? opts.patchStatus() : 200),
  );
  const runs = () => sent.filter((s) => path(s) === `/api/v1/dashboards/${DASHBOARD_ID}/run`);
  return { sent, runs, rounds: () => rounds(runs()) };
}

/** The widgets the server runs (the target widget asks the attainment API itself). */
const RUN_WIDGETS = ['pipe', 'won', 'closed'];

/**
 * The runs grouped into rounds: each round asks for every run widget in a request of its own
 * (so they run in parallel), all with the same filters; a round's filters per round.
 */
function rounds(sent: Sent[]): unknown[] {
  const found = [];
  for (let i = 0; i + RUN_WIDGETS.length <= sent.length; i += RUN_WIDGETS.length) {
    const round = sent.slice(i, i + RUN_WIDGETS.length);
    expect(round.map((s) => s.body.widgets)).toEqual(RUN_WIDGETS.map((id) => [id]));
    for (const s of round) expect(s.body.filters).toEqual(round[0].body.filters);
    found.push(round[0].body.filters);
  }
  return found;
}

function renderPage(query = '') {
  return renderWith(
    <Routes>
      <Route path="/dashboards/:id" element={<DashboardPage />} />
      <Route path="/dashboards" element={<div data-testid="list" />} />
    </Routes>,
    { objects: DASHBOARD_OBJECTS, path: `/dashboards/${DASHBOARD_ID}${query}` },
  );
}

/** Open the antd select whose input has `testId` (or is inside it) and click an option. */
async function pick(testId: string, option: string) {
  const el = screen.getByTestId(testId);
  const select = (el.closest('.ant-select') ?? el.querySelector('.ant-select')) as HTMLElement;
  fireEvent.mouseDown(within(select).getByRole('combobox'));
  fireEvent.click(await screen.findByTitle(option));
}

describe('DashboardPage', () => {
  it('says how old kept answers are, refreshes them on demand, and warns of amounts without a rate', async () => {
    const kept = (): DashboardRun => {
      const answer = runAnswer();
      for (const w of answer.widgets) {
        w.as_of = w.id === 'won' ? '2026-05-15T01:12:00.000Z' : '2026-05-15T01:20:00.000Z';
        w.cached = true;
      }
      const won = answer.widgets.find((w) => w.id === 'won')!;
      won.result = { ...(won.result as KpiResult), currency: 'CNY', warnings: [{ code: 'exchange_rate_missing', currency: 'USD', field: 'amount' }] };
      return answer;
    };
    const { runs } = server({ answer: kept });
    renderPage();
    const asOf = await screen.findByTestId('dashboard-as-of');
    // The oldest answer on screen, in the tenant's time zone (Shanghai here).
    await waitFor(() => expect(asOf.textContent).toBe('As of May 15, 2026, 09:12'));
    const won = screen.getByTestId('widget-won');
    const warning = within(won).getByTestId('widget-rate-missing');
    expect(warning.getAttribute('aria-label')).toBe('No exchange rate for USD (amount): those amounts are left out of the CNY values');
    expect(within(screen.getByTestId('widget-pipe')).queryByTestId('widget-rate-missing')).toBeNull();
    await waitFor(() => expect(runs().length).toBe(RUN_WIDGETS.length));
    expect(runs().every((s) => s.body.refresh === undefined)).toBe(true);

    fireEvent.click(screen.getByTestId('dashboard-refresh'));
    await waitFor(() => expect(runs().length).toBe(2 * RUN_WIDGETS.length));
    const again = runs().slice(RUN_WIDGETS.length);
    expect(again.map((s) => s.body.widgets)).toEqual(RUN_WIDGETS.map((id) => [id]));
    expect(again.every((s) => s.body.refresh === true)).toBe(true);
  });

  it('shows every widget with its own result: a table, a KPI with target and trend, a closed report, target attainment', async () => {
    const { sent, runs, rounds } = server();
    renderPage();
    expect((await screen.findByTestId('dashboard-name')).textContent).toBe('Sales overview');

    const pipe = await screen.findByTestId('widget-pipe');
    await waitFor(() => expect(within(pipe).getByTestId('result-table')).toBeTruthy());
    const table = within(pipe).getByTestId('result-table');
    expect(within(pipe).getByText('Pipeline by stage')).toBeTruthy();
    expect(table.textContent).toContain('Prospecting');
    expect(table.textContent).toContain('Closed won');
    expect(table.textContent).toContain('Sum of Amount');
    expect(table.querySelector('tfoot')?.textContent).toBe('Total15¥1,610,000.50');
    expect(within(pipe).getByTestId('filters-ignored').textContent).toBe('Not filtered by: Sales process');

    const won = screen.getByTestId('widget-won');
    expect(within(won).getByText('Won this quarter')).toBeTruthy();
    expect(within(won).getByTestId('kpi-value').textContent).toBe('¥1,250,000.50');
    expect(within(won).getByTestId('kpi-target').textContent).toContain('125%');
    expect(within(won).getByTestId('kpi-target').textContent).toContain('Target ¥1,000,000.00');
    const trend = within(won).getByTestId('kpi-trend');
    expect(trend.className).toContain('ky-kpi-trend-up');
    expect(trend.textContent).toContain('25.01%');
    expect(trend.textContent).toContain('vs previous period (¥1,000,000.40)');

    // One widget's 403 is its own: the others answer.
    expect(within(screen.getByTestId('widget-closed')).getByTestId('widget-problem').textContent).toBe('This report is closed to you.');

    // Target attainment: the targets screen's list, compact (no gap or projection lines).
    const goal = screen.getByTestId('widget-goal');
    expect(within(goal).getByText('Target attainment: Won amount')).toBeTruthy();
    const li = await within(goal).findByTestId('attainment-user-u-li');
    expect(within(goal).getByTestId('attainment-list')).toBeTruthy();
    expect(within(goal).getByTestId('attainment-widget').textContent).toContain('Won amount · FY2026-Q2');
    expect(within(within(goal).getByTestId('attainment-department-dep-east')).getByTestId('attainment-on-track')).toBeTruthy();
    expect(within(li).getByTestId('attainment-behind')).toBeTruthy();
    expect(within(li).getByTestId('attainment-actual').textContent).toBe('¥300,000.00');
    expect(within(li).getByTestId('attainment-target').textContent).toBe('¥1,000,000.00');
    expect(li.textContent).not.toContain('Gap');
    const attainment = sent.find((s) => path(s) === '/api/v1/analytics/targets/attainment')!;
    // The fiscal quarter (the year starts in February) containing 15 May 2026.
    expect(new URL(attainment.url, 'http://x').searchParams.toString()).toBe('metric=won_amount&period_type=quarter&period_start=2026-05-01');

    expect(runs()).toHaveLength(RUN_WIDGETS.length);
    expect(rounds()).toEqual([{ period: 'this_quarter', owner: null, pipeline: null }]);
    // Editors get the edit button; the grid is the desktop one.
    expect(screen.getByTestId('dashboard-edit')).toBeTruthy();
    expect(screen.getByTestId('dashboard-grid')).toBeTruthy();
  });

  it('marks each widget painted once its content is on screen, for timing a dashboard', async () => {
    performance.clearMarks();
    server();
    renderPage();
    const painted = (id: string) => performance.getEntriesByName(`keyi-widget-painted:${id}`, 'mark');
    await waitFor(() => expect(['pipe', 'won', 'goal'].map((id) => painted(id).length)).toEqual([1, 1, 1]));
    // A widget whose report is closed to the reader shows its problem, not content.
    expect(painted('closed')).toHaveLength(0);
  });

  it('runs the widgets again when a filter changes, with every filter in the body', async () => {
    const { rounds } = server();
    renderPage();
    await screen.findByTestId('widget-pipe');
    await waitFor(() => expect(rounds()).toHaveLength(1));

    await pick('filter-period', 'This fiscal quarter');
    await waitFor(() => expect(rounds()).toHaveLength(2));
    expect(rounds()[1]).toEqual({ period: 'this_fiscal_quarter', owner: null, pipeline: null });

    await pick('filter-pipeline', 'Project sale');
    await waitFor(() => expect(rounds()).toHaveLength(3));
    expect(rounds()[2]).toEqual({ period: 'this_fiscal_quarter', owner: null, pipeline: 'project' });

    // Clearing the period clears the dashboard's default too (null, not left out).
    fireEvent.mouseDown(within(screen.getByTestId('dashboard-filters').querySelector('.ky-dash-filter-period') as HTMLElement).getByRole('combobox'));
    const clear = screen.getByTestId('dashboard-filters').querySelector('.ky-dash-filter-period .ant-select-clear') as HTMLElement;
    fireEvent.mouseDown(clear);
    await waitFor(() => expect(rounds()).toHaveLength(4));
    expect(rounds()[3]).toEqual({ period: null, owner: null, pipeline: 'project' });
  });

  it('narrows every widget to a department, the target widget too', async () => {
    const { sent, rounds } = server();
    renderPage();
    await screen.findByTestId('widget-goal');
    await waitFor(() => expect(sent.filter((s) => path(s) === '/api/v1/analytics/targets/attainment')).toHaveLength(1));

    await pick('filter-owner-kind', 'Department');
    fireEvent.mouseDown(within(screen.getByTestId('dashboard-filters').querySelector('.ky-dash-filter-owner') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByTitle('East China'));
    await waitFor(() => expect(rounds()).toHaveLength(2));
    expect(rounds()[1]).toEqual({ period: 'this_quarter', owner: { department: 'dep-east' }, pipeline: null });
    // The target widget asks the attainment API for that department.
    await waitFor(() => expect(sent.filter((s) => path(s) === '/api/v1/analytics/targets/attainment')).toHaveLength(2));
    expect(sent.filter((s) => path(s) === '/api/v1/analytics/targets/attainment')[1].url).toContain('department=dep-east');

    // Switching to a user drops the department and offers the user picker.
    await pick('filter-owner-kind', 'User');
    await waitFor(() => expect(rounds()).toHaveLength(3));
    expect(rounds()[2]).toEqual({ period: 'this_quarter', owner: null, pipeline: null });
    expect(screen.getByTestId('dashboard-filters').querySelector('.ky-dash-filter-owner')?.textContent).toBe('Choose a user');
  });

  it('shows a stored user filter by the person’s name, and their row only in target attainment', async () => {
    server({ stored: dashboard({ filters: { owner: { user: 'u-li' } } }) });
    renderPage();
    const goal = await screen.findByTestId('widget-goal');
    await waitFor(() => expect(screen.getByTestId('dashboard-filters').querySelector('.ky-dash-filter-owner')?.textContent).toBe('Rep Li'));
    await waitFor(() => expect(within(goal).getByTestId('attainment-user-u-li')).toBeTruthy());
    expect(within(goal).queryByTestId('attainment-department-dep-east')).toBeNull();
  });

  it('edits: removes a widget, adds a KPI, saves layout and filters with the version; a 412 asks to reload', async () => {
    let status = 412;
    const { sent } = server({ patchStatus: () => status });
    renderPage();
    await screen.findByTestId('widget-pipe');
    fireEvent.click(screen.getByTestId('dashboard-edit'));
    fireEvent.click(await screen.findByTestId('widget-remove-closed'));
    expect(screen.queryByTestId('widget-closed')).toBeNull();

    fireEvent.click(screen.getByTestId('add-widget'));
    fireEvent.click(await screen.findByText('KPI'));
    await pick('add-widget-report', 'Pipeline by stage · Opportunities');
    // A KPI's value defaults to the report's first aggregate (labelled from the metadata).
    await waitFor(() => expect(screen.getByTestId('add-widget-value').closest('.ant-select')?.textContent).toContain('Sum of amount'));
    fireEvent.change(screen.getByTestId('add-widget-target'), { target: { value: '500000' } });
    fireEvent.click(screen.getByTestId('add-widget-ok'));
    // Not run yet: the widget says so, under its report's name.
    const added = await screen.findByText('Save the dashboard to see this widget’s numbers.');
    expect(added.closest('.ky-widget')?.textContent).toContain('Pipeline by stage');

    fireEvent.click(screen.getByTestId('dashboard-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'PATCH')).toBe(true));
    expect((await screen.findAllByText('Someone else saved this dashboard')).length).toBeGreaterThan(0);
    const patch = sent.find((s) => s.method === 'PATCH')!;
    expect(patch.body.version).toBe(3);
    expect(patch.body.filters).toEqual({ period: 'this_quarter' });
    const layout = patch.body.layout as Dashboard['layout'];
    expect(layout.map((w) => w.id)).toEqual(['pipe', 'won', 'goal', layout[3].id]);
    // Added below everything (y 12), then moved up by the grid into the gap under the first
    // widget (which ends at row 8): what is saved is what the grid shows.
    expect(layout[3]).toMatchObject({ kind: 'kpi', report_id: REPORT_ID, value: 'sum_amount', target: 500000, compare: 'previous_period', x: 0, y: 8, w: 3, h: 4 });
    expect(patch.body).not.toHaveProperty('name');

    // Reload: the stored dashboard again, out of edit mode.
    const gets = () => sent.filter((s) => s.method === 'GET' && path(s) === `/api/v1/dashboards/${DASHBOARD_ID}`).length;
    expect(gets()).toBe(1);
    fireEvent.click(screen.getByText('Reload'));
    await waitFor(() => expect(gets()).toBe(2));
    expect(await screen.findByTestId('dashboard-edit')).toBeTruthy();
    expect(screen.getByTestId('widget-closed')).toBeTruthy();

    // Saved for real: a new name, then the widgets run again for the new version.
    status = 200;
    fireEvent.click(screen.getByTestId('dashboard-edit'));
    fireEvent.change(await screen.findByTestId('dashboard-name-input'), { target: { value: 'Quarter review' } });
    fireEvent.click(screen.getByTestId('dashboard-save'));
    expect(await screen.findByText('Dashboard saved')).toBeTruthy();
    expect(sent.filter((s) => s.method === 'PATCH').at(-1)?.body).toMatchObject({ name: 'Quarter review', version: 3 });
    expect((await screen.findByTestId('dashboard-name')).textContent).toBe('Quarter review');
    await waitFor(() => expect(sent.filter((s) => path(s).endsWith('/run')).length).toBeGreaterThanOrEqual(2));
  });

  it('opens a dashboard just created in edit mode', async () => {
    server({ stored: dashboard({ layout: [] }) });
    renderPage('?edit=1');
    expect(await screen.findByTestId('dashboard-name-input')).toBeTruthy();
    expect(screen.getByTestId('add-widget')).toBeTruthy();
    expect(screen.getByTestId('dashboard-empty').textContent).toBe('This dashboard has no widgets yet.');
  });

  it('is read-only for a reader who may not edit it', async () => {
    server({ stored: dashboard({ can_edit: false }) });
    renderPage('?edit=1');
    await screen.findByTestId('widget-pipe');
    expect(screen.queryByTestId('dashboard-edit')).toBeNull();
    expect(screen.queryByTestId('dashboard-name-input')).toBeNull();
  });

  it('stacks the widgets in one column, in reading order, at phone width', async () => {
    vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(375);
    server();
    renderPage();
    const stack = await screen.findByTestId('dashboard-stack');
    expect(screen.queryByTestId('dashboard-grid')).toBeNull();
    const order = [...stack.querySelectorAll('.ky-widget')].map((el) => el.getAttribute('data-testid'));
    expect(order).toEqual(['widget-pipe', 'widget-won', 'widget-closed', 'widget-goal']);
  });
});

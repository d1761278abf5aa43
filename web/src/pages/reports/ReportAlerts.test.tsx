/**
 * Alerts and scheduled report emails: on a report's page (Alerts, Subscribe) and on "My alerts
 * and subscriptions" — the bodies the editors send, the server's field errors at their fields,
 * check now, switching on and off, deleting, and the values an alert stored.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReportAlert, ReportSubscription } from '../../reports/alerts/api';
import type { SavedReport } from '../../reports/api';
import { resetFiscalStartMonth } from '../../reports/api';
import { renderReports, stubFetch, USER, type Call, type Routes } from '../../reports/test/api';
import { summaryByStageAndMonth } from '../../reports/test/results';
import '../../i18n/reports';
import ReportAlertsPage from './ReportAlertsPage';
import ReportViewerPage from './ReportViewerPage';

beforeEach(() => resetFiscalStartMonth());
afterEach(() => vi.unstubAllGlobals());

const REPORT: SavedReport = {
  id: 'R1',
  name: { en: 'Pipeline', 'zh-CN': '销售漏斗' },
  description: null,
  folder_id: 'F1',
  object: 'opportunity',
  type: 'summary',
  chart: null,
  owner_id: 'U1',
  package: null,
  key: null,
  can_edit: true,
  version: 2,
  updated_at: '2026-03-01T08:00:00Z',
  definition: { object: 'opportunity', type: 'summary', group_by: [{ field: 'stage' }], column_group_by: [], aggregates: [{ op: 'count' }, { op: 'sum', field: 'amount' }], sort: [] },
};

function alert(id: string, extra: Partial<ReportAlert> = {}): ReportAlert {
  return {
    id,
    report_id: 'R1',
    name: 'Too many open deals',
    condition: { value: 'count', op: 'gt', threshold: '10', scope: 'total' },
    schedule: '0 9 * * *',
    recipients: { users: [], roles: [] },
    owner_id: 'U1',
    active: true,
    next_run_at: '2026-03-02T01:00:00Z',
    last_run_at: null,
    last_fired_at: null,
    updated_at: '2026-03-01T08:00:00Z',
    ...extra,
  };
}

function subscription(id: string, extra: Partial<ReportSubscription> = {}): ReportSubscription {
  return {
    id,
    report_id: 'R1',
    schedule: '0 8 * * 1',
    format: 'xlsx',
    recipients: { users: ['U2'], roles: [] },
    owner_id: 'U1',
    active: true,
    next_run_at: '2026-03-02T00:00:00Z',
    last_sent_at: null,
    updated_at: '2026-03-01T08:00:00Z',
    ...extra,
  };
}

const PEOPLE = { records: [{ id: 'U1', name: 'Rep Li' }, { id: 'U2', name: 'Wang Fang' }], next_cursor: null };

function viewerRoutes(extra: Routes = {}): Routes {
  return {
    'GET /api/v1/reports/R1': () => REPORT,
    'POST /api/v1/reports/R1/run': () => summaryByStageAndMonth(),
    'GET /api/v1/analytics/settings': () => ({ fiscal_year_start_month: 1 }),
    'GET /api/v1/report-alerts': () => ({ alerts: [] }),
    'GET /api/v1/report-subscriptions': () => ({ subscriptions: [] }),
    'GET /api/v1/records/user': () => PEOPLE,
    'POST /api/v1/records/user/query': () => PEOPLE,
    'GET /api/v1/records/role': () => ({ records: [{ id: 'RL1', name: 'Managers' }], next_cursor: null }),
    'POST /api/v1/records/role/query': () => ({ records: [{ id: 'RL1', name: 'Managers' }], next_cursor: null }),
    ...extra,
  };
}

/** Open an antd select by its test id (on it, or on something inside it) and pick an option. */
async function pick(within_: HTMLElement, testid: string, text: string) {
  const el = within(within_).getByTestId(testid);
  const select = el.classList.contains('ant-select') ? el : (el.closest('.ant-select') ?? el.querySelector('.ant-select'))!;
  fireEvent.mouseDown(select.querySelector('.ant-select-selector')!);
  const options = await screen.findAllByTitle(text);
  fireEvent.click(options[options.length - 1]);
}

/** Confirm the deletion the confirmation dialog asks about. */
async function confirmDelete() {
  const confirm = await waitFor(() => document.querySelector('.ant-modal-confirm') as HTMLElement);
  fireEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));
}

const sent = (calls: Call[], method: string, path: string) => calls.filter((c) => c.method === method && c.path === path);

describe('alerts and subscriptions on a report', () => {
  it('sends nothing while a required part is empty, and shows the server’s errors at their fields', async () => {
    const calls = stubFetch(
      viewerRoutes({
        'POST /api/v1/report-alerts': () => [
          422,
          {
            code: 'invalid_request',
            title: 'Invalid',
            errors: [
              { field: 'condition.percent', code: 'invalid_number', message: 'Must be a number.' },
              { field: 'report_id', code: 'not_found', message: 'Not found.' },
            ],
          },
        ],
      }),
    );
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    fireEvent.click(await screen.findByTestId('report-alerts'));
    const drawer = await screen.findByTestId('report-rules');
    expect(await within(drawer).findByText('No alerts yet')).toBeTruthy();
    expect(sent(calls, 'GET', '/api/v1/report-alerts')[0].query.get('report_id')).toBe('R1');

    fireEvent.click(within(drawer).getByTestId('alert-new'));
    const dialog = await screen.findByTestId('alert-dialog');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findAllByText('Required')).toHaveLength(2);
    expect(sent(calls, 'POST', '/api/v1/report-alerts')).toHaveLength(0);

    fireEvent.change(within(dialog).getByTestId('alert-name'), { target: { value: 'Pipeline drops' } });
    fireEvent.click(within(dialog).getByText('It changes against some days before'));
    fireEvent.change(within(dialog).getByTestId('alert-percent'), { target: { value: '2O' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    // The field the server names shows its message; what no control shows goes above them.
    const percent = within(dialog).getByTestId('alert-percent').closest('.ant-form-item') as HTMLElement;
    expect(await within(percent).findByText('Must be a number.')).toBeTruthy();
    expect(within(dialog).getByTestId('alert-dialog-error').textContent).toContain('Not found.');
    // The first value of the report, every day at 09:00, a week back.
    expect(sent(calls, 'POST', '/api/v1/report-alerts')[0].body).toEqual({
      report_id: 'R1',
      name: 'Pipeline drops',
      condition: { value: 'count', change: 'drop', percent: '2O', period_days: 7 },
      schedule: '0 9 * * *',
      recipients: { users: [], roles: [] },
      active: true,
    });
  });

  it('creates an alert on a value of the report, for weekdays, telling a colleague too', async () => {
    const created: ReportAlert[] = [];
    const calls = stubFetch(
      viewerRoutes({
        'GET /api/v1/report-alerts': () => ({ alerts: created }),
        'POST /api/v1/report-alerts': (c) => {
          const a = alert('A9', { ...(c.body as Partial<ReportAlert>) });
          created.push(a);
          return [201, a];
        },
      }),
    );
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    fireEvent.click(await screen.findByTestId('report-alerts'));
    const drawer = await screen.findByTestId('report-rules');
    fireEvent.click(await within(drawer).findByTestId('alert-new'));
    const dialog = await screen.findByTestId('alert-dialog');
    fireEvent.change(within(dialog).getByTestId('alert-name'), { target: { value: 'Pipeline drops' } });
    await pick(dialog, 'alert-value', 'Sum of amount');
    fireEvent.click(within(dialog).getByText('It changes against some days before'));
    fireEvent.change(within(dialog).getByTestId('alert-percent'), { target: { value: '20' } });
    await pick(dialog, 'schedule-frequency', 'Every weekday');
    await pick(dialog, 'schedule-time', '07:30');
    await pick(dialog, 'recipients-users', 'Wang Fang');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(drawer).findByText('Pipeline drops')).toBeTruthy();
    expect(sent(calls, 'POST', '/api/v1/report-alerts')[0].body).toEqual({
      report_id: 'R1',
      name: 'Pipeline drops',
      condition: { value: 'sum_amount', change: 'drop', percent: '20', period_days: 7 },
      schedule: '30 7 * * 1-5',
      recipients: { users: ['U2'], roles: [] },
      active: true,
    });
    expect(within(drawer).getByText('Sum of amount drops by 20% or more against 7 days before')).toBeTruthy();
    expect(within(drawer).getByText('Weekdays at 07:30')).toBeTruthy();
  });

  it('checks an alert now, switches it off, edits its threshold over any group and deletes it', async () => {
    let list = [alert('A1')];
    const calls = stubFetch(
      viewerRoutes({
        'GET /api/v1/report-alerts': () => ({ alerts: list }),
        'POST /api/v1/report-alerts/A1/check': () => ({ holds: true, value: 12 }),
        'PATCH /api/v1/report-alerts/A1': (c) => {
          list = [{ ...list[0], ...(c.body as Partial<ReportAlert>) }];
          return list[0];
        },
        'DELETE /api/v1/report-alerts/A1': () => {
          list = [];
          return [204, null];
        },
      }),
    );
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    fireEvent.click(await screen.findByTestId('report-alerts'));
    const drawer = await screen.findByTestId('report-rules');
    const row = await within(drawer).findByTestId('alert-A1');
    expect(row.textContent).toContain('Record count is above 10');
    expect(within(drawer).getByText('Every day at 09:00')).toBeTruthy();

    fireEvent.click(within(drawer).getByTestId('alert-check-now-A1'));
    const outcome = await within(drawer).findByTestId('alert-check-A1');
    expect(within(outcome).getByTestId('alert-check-holds').textContent).toBe('Would fire');
    expect(within(outcome).getByTestId('alert-check-value').textContent).toBe('Value now: 12');

    fireEvent.click(within(drawer).getByTestId('alert-active-A1'));
    await waitFor(() => expect(sent(calls, 'PATCH', '/api/v1/report-alerts/A1')).toHaveLength(1));
    expect(sent(calls, 'PATCH', '/api/v1/report-alerts/A1')[0].body).toEqual({ active: false });
    await waitFor(() => expect(within(drawer).getByTestId('alert-active-A1').getAttribute('aria-checked')).toBe('false'));

    fireEvent.click(within(drawer).getByTestId('alert-edit-A1'));
    const dialog = await screen.findByTestId('alert-dialog');
    expect((within(dialog).getByTestId('alert-threshold') as HTMLInputElement).value).toBe('10');
    await pick(dialog, 'alert-op', 'is at least');
    fireEvent.change(within(dialog).getByTestId('alert-threshold'), { target: { value: '2.5' } });
    fireEvent.click(within(dialog).getByTestId('alert-scope-any'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(sent(calls, 'PATCH', '/api/v1/report-alerts/A1')).toHaveLength(2));
    // An edit sends the whole rule, without the report it stays on.
    expect(sent(calls, 'PATCH', '/api/v1/report-alerts/A1')[1].body).toEqual({
      name: 'Too many open deals',
      condition: { value: 'count', op: 'gte', threshold: '2.5', scope: 'any_group' },
      schedule: '0 9 * * *',
      recipients: { users: [], roles: [] },
      active: false,
    });
    expect(await within(drawer).findByText('In any group, Record count is at least 2.5')).toBeTruthy();

    fireEvent.click(within(drawer).getByTestId('alert-delete-A1'));
    await confirmDelete();
    await waitFor(() => expect(sent(calls, 'DELETE', '/api/v1/report-alerts/A1')).toHaveLength(1));
    expect(await within(drawer).findByText('No alerts yet')).toBeTruthy();
  });

  it('subscribes to the report weekly as a link; roles are for administrators', async () => {
    const calls = stubFetch(
      viewerRoutes({
        'POST /api/v1/report-subscriptions': (c) => [201, subscription('S9', c.body as Partial<ReportSubscription>)],
      }),
    );
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    fireEvent.click(await screen.findByTestId('report-subscribe'));
    const drawer = await screen.findByTestId('report-rules');
    fireEvent.click(await within(drawer).findByTestId('subscription-new'));
    const dialog = await screen.findByTestId('subscription-dialog');
    // A new subscription goes out on Mondays at 08:00 as an Excel file.
    expect(within(dialog).getByTestId('schedule-frequency').closest('.ant-select')!.textContent).toContain('Every week');
    expect(within(dialog).getByText('Only administrators send to roles.')).toBeTruthy();
    expect(within(dialog).getByTestId('recipients-roles').querySelector('.ant-select-disabled')).toBeTruthy();
    await pick(dialog, 'schedule-weekday', 'Friday');
    await pick(dialog, 'schedule-time', '17:30');
    fireEvent.click(within(dialog).getByText('Link only'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(sent(calls, 'POST', '/api/v1/report-subscriptions')).toHaveLength(1));
    expect(sent(calls, 'POST', '/api/v1/report-subscriptions')[0].body).toEqual({
      report_id: 'R1',
      schedule: '30 17 * * 5',
      format: 'link',
      recipients: { users: [], roles: [] },
      active: true,
    });
  });
});

describe('My alerts and subscriptions', () => {
  function pageRoutes(extra: Routes = {}): Routes {
    return viewerRoutes({
      'GET /api/v1/report-alerts': () => ({
        alerts: [
          alert('A1', { name: 'Pipeline drops', condition: { value: 'sum_amount', change: 'drop', percent: '20', period_days: 7 }, last_run_at: '2026-03-01T01:00:00Z' }),
          alert('A2', { report_id: 'R2', name: 'Old report', owner_id: 'U2' }),
        ],
      }),
      'GET /api/v1/report-subscriptions': () => ({ subscriptions: [subscription('S1')] }),
      'GET /api/v1/reports/R2': () => [404, { code: 'not_found', title: 'Not found' }],
      'GET /api/v1/report-alerts/A1/samples': () => ({
        samples: [
          { taken_at: '2026-03-01T01:00:00Z', value: 700 },
          { taken_at: '2026-02-22T01:00:00Z', value: 1000 },
        ],
      }),
      ...extra,
    });
  }

  it('lists every report’s alerts with their values, and the subscriptions with their recipients', async () => {
    const calls = stubFetch(pageRoutes());
    renderReports('/reports/alerts', { '/reports/alerts': <ReportAlertsPage /> });
    const a1 = await screen.findByTestId('alert-A1');
    expect(sent(calls, 'GET', '/api/v1/report-alerts')[0].query.has('report_id')).toBe(false);
    // The values are named once the reports are read; a report closed to the reader by its id.
    await waitFor(() => expect(a1.textContent).toContain('Sum of amount drops by 20% or more against 7 days before'));
    expect(screen.getByRole('link', { name: 'Pipeline' }).getAttribute('href')).toBe('/reports/R1');
    expect(screen.getByRole('link', { name: 'R2' })).toBeTruthy();
    // Not an administrator: no owner column.
    expect(screen.queryByRole('columnheader', { name: 'Owner' })).toBeNull();

    fireEvent.click(a1.closest('tr')!.querySelector('.ant-table-row-expand-icon')!);
    const samples = await screen.findByTestId('alert-samples-A1');
    // Sums of the amount read as money.
    await waitFor(() => expect(samples.textContent).toContain('CN¥1,000.00'));
    expect(samples.textContent).toContain('CN¥700.00');

    fireEvent.click(screen.getByTestId('rules-tab-subscriptions'));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/reports/alerts?tab=subscriptions'));
    const s1 = await screen.findByTestId('subscription-S1');
    await waitFor(() => expect(s1.textContent).toContain('Wang Fang'));
    expect(s1.textContent).toContain('Every Monday at 08:00');
  });

  it('lets an administrator edit a subscription, with the server’s refusal of roles at the roles', async () => {
    const calls = stubFetch(
      pageRoutes({
        'PATCH /api/v1/report-subscriptions/S1': () => [403, { code: 'alert_roles_need_admin', title: 'Forbidden', detail: 'Only administrators send alerts and reports to roles.' }],
        'DELETE /api/v1/report-subscriptions/S1': () => [204, null],
      }),
      { ...USER, is_admin: true },
    );
    renderReports('/reports/alerts?tab=subscriptions', { '/reports/alerts': <ReportAlertsPage /> });
    const s1 = await screen.findByTestId('subscription-S1');
    expect(screen.getByRole('columnheader', { name: 'Owner' })).toBeTruthy();
    await waitFor(() => expect(s1.closest('tr')!.textContent).toContain('Rep Li'));

    fireEvent.click(screen.getByTestId('subscription-edit-S1'));
    const dialog = await screen.findByTestId('subscription-dialog');
    await waitFor(() => expect(within(dialog).getByTestId('recipients-users').textContent).toContain('Wang Fang'));
    fireEvent.click(within(dialog).getByText('CSV attachment'));
    await pick(dialog, 'recipients-roles', 'Managers');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(within(dialog).getByTestId('recipients-roles').closest('.ant-form-item')! as HTMLElement).findByText('Only administrators send alerts and reports to roles.')).toBeTruthy();
    expect(sent(calls, 'PATCH', '/api/v1/report-subscriptions/S1')[0].body).toEqual({
      schedule: '0 8 * * 1',
      format: 'csv',
      recipients: { users: ['U2'], roles: ['RL1'] },
      active: true,
    });
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));

    fireEvent.click(screen.getByTestId('subscription-delete-S1'));
    await confirmDelete();
    await waitFor(() => expect(sent(calls, 'DELETE', '/api/v1/report-subscriptions/S1')).toHaveLength(1));
  });

  it('reads in Chinese', async () => {
    stubFetch(pageRoutes());
    renderReports('/reports/alerts', { '/reports/alerts': <ReportAlertsPage /> }, { lang: 'zh-CN' });
    expect(await screen.findByText('我的预警与订阅')).toBeTruthy();
    const a2 = await screen.findByTestId('alert-A2');
    expect(a2.textContent).toContain('记录数高于 10');
    expect(screen.getAllByText('每天 09:00')).toHaveLength(2);
  });
});

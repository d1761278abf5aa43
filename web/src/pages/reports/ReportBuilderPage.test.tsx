import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SavedReport } from '../../reports/api';
import { resetFiscalStartMonth } from '../../reports/api';
import { renderReports, stubFetch, type Call } from '../../reports/test/api';
import { summaryByStageAndMonth } from '../../reports/test/results';
import '../../i18n/reports';
import ReportBuilderPage from './ReportBuilderPage';

vi.mock('../../charts/EChart', () => ({ default: () => <div data-testid="echart" /> }));

beforeEach(() => resetFiscalStartMonth());
afterEach(() => vi.unstubAllGlobals());

const runs = (calls: Call[]) => calls.filter((c) => c.path === '/api/v1/reports/run');
const FOLDERS = { folders: [{ id: 'F1', name: { '': 'Sales' }, owner_id: 'U1', sharing: { scope: 'all' }, package: null, key: null, can_manage: true, updated_at: '2026-03-01T08:00:00Z' }] };

/** Open an antd select by its test id and pick the option showing `text`. */
async function pick(testid: string, text: string) {
  const el = screen.getByTestId(testid);
  const select = el.classList.contains('ant-select') ? el : (el.closest('.ant-select') ?? el.querySelector('.ant-select'))!;
  fireEvent.mouseDown(select.querySelector('.ant-select-selector')!);
  const options = await screen.findAllByTitle(text);
  fireEvent.click(options[options.length - 1]);
}

describe('ReportBuilderPage', () => {
  it('previews a new report as it is built and saves it into a folder', async () => {
    const calls = stubFetch({
      'GET /api/v1/report-folders': () => FOLDERS,
      'POST /api/v1/reports/run': () => summaryByStageAndMonth(),
      'POST /api/v1/reports': (c) => ({ ...(c.body as object), id: 'R7', version: 1 }),
      'GET /api/v1/analytics/settings': () => ({ fiscal_year_start_month: 1 }),
    });
    renderReports('/reports/new?object=opportunity&folder=F1', { '/reports/new': <ReportBuilderPage />, '/reports/:id': <div data-testid="viewer" /> });
    // A new report counts opportunities by stage; the preview runs it once the builder settles.
    await waitFor(() => expect(runs(calls)).toHaveLength(1));
    expect(runs(calls)[0].body).toMatchObject({ object: 'opportunity', type: 'summary', group_by: [{ field: 'stage' }], column_group_by: [], aggregates: [{ op: 'count' }], sort: [] });
    expect(await screen.findByTestId('report-summary')).toBeTruthy();

    // Group by close date as well: a date grouping takes a bucket, month by default.
    fireEvent.click(screen.getByTestId('builder-group_by-add'));
    await pick('builder-group_by-1-field', 'close date');
    expect(screen.getByTestId('builder-group_by-1-bucket')).toBeTruthy();
    await pick('builder-group_by-1-bucket', 'Fiscal quarter');
    // Sum the amount, with each group's share.
    fireEvent.click(screen.getByTestId('builder-aggregates-add'));
    await pick('builder-aggregates-1-op', 'Sum');
    fireEvent.click(within(screen.getByTestId('builder-aggregates-1')).getByTestId('builder-aggregates-1-percent'));
    await waitFor(() =>
      expect(runs(calls).at(-1)!.body).toMatchObject({
        group_by: [{ field: 'stage' }, { field: 'close_date', bucket: 'fiscal_quarter' }],
        aggregates: [{ op: 'count' }, { op: 'sum', field: 'amount', percent_of_total: true }],
      }),
    );
    const previews = runs(calls).length;
    expect(previews).toBeLessThan(6); // debounced: not one run per click

    fireEvent.change(screen.getByTestId('builder-name'), { target: { value: 'Pipeline by quarter' } });
    fireEvent.click(screen.getByTestId('builder-save'));
    const dialog = await screen.findByTestId('save-dialog');
    expect((within(dialog).getByTestId('save-name') as HTMLInputElement).value).toBe('Pipeline by quarter');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await screen.findByTestId('viewer');
    const saved = calls.find((c) => c.method === 'POST' && c.path === '/api/v1/reports')!;
    expect(saved.body).toMatchObject({
      name: 'Pipeline by quarter',
      folder_id: 'F1',
      definition: { object: 'opportunity', type: 'summary', group_by: [{ field: 'stage' }, { field: 'close_date', bucket: 'fiscal_quarter' }] },
      chart: { type: 'bar', x: 'stage', value: 'count' },
    });
    expect(screen.getByTestId('location').textContent).toBe('/reports/R7');
  });

  it('shows the server’s per-field errors at the control they name, and asks for a matrix’s columns first', async () => {
    let fail = true;
    const calls = stubFetch({
      'GET /api/v1/report-folders': () => ({ folders: [] }),
      'POST /api/v1/reports/run': (c) =>
        fail && (c.body.group_by as unknown[]).length
          ? [422, { code: 'invalid_request', errors: [{ field: 'group_by.0.field', code: 'invalid_filter', message: 'You cannot group by this field.' }] }]
          : summaryByStageAndMonth(),
    });
    renderReports('/reports/new?object=opportunity', { '/reports/new': <ReportBuilderPage /> });
    const row = await screen.findByTestId('builder-group_by-0');
    expect(await within(row).findByText('You cannot group by this field.')).toBeTruthy();

    fail = false;
    fireEvent.click(within(screen.getByTestId('builder-type')).getByText('Matrix'));
    // No column grouping yet: the builder says so and does not ask the server.
    expect(await within(screen.getByTestId('report-builder')).findByText('Required')).toBeTruthy();
    const before = runs(calls).length;
    fireEvent.click(screen.getByTestId('builder-column_group_by-add'));
    await waitFor(() => expect(runs(calls).length).toBe(before + 1));
    expect(runs(calls).at(-1)!.body).toMatchObject({ type: 'matrix', group_by: [{ field: 'stage' }], column_group_by: [{ field: 'name' }] });
    await waitFor(() => expect(within(screen.getByTestId('builder-group_by-0')).queryByText('You cannot group by this field.')).toBeNull());
  });

  it('edits a saved report: its version goes along, and an error in its definition is marked where it is', async () => {
    const report: SavedReport = {
      id: 'R1',
      name: { en: 'Pipeline', 'zh-CN': '销售漏斗' },
      description: null,
      folder_id: 'F1',
      object: 'opportunity',
      type: 'summary',
      chart: { type: 'funnel', x: 'stage', value: 'sum_amount' },
      owner_id: 'U1',
      package: null,
      key: null,
      can_edit: true,
      version: 5,
      updated_at: '2026-03-01T08:00:00Z',
      definition: {
        object: 'opportunity',
        type: 'summary',
        filter: { field: 'close_date', op: 'eq', value: 'this_fiscal_year' },
        group_by: [{ field: 'stage' }],
        column_group_by: [],
        aggregates: [{ op: 'sum', field: 'amount' }],
        sort: [{ key: 'sum_amount', direction: 'desc' }],
      },
    };
    let attempt = 0;
    const calls = stubFetch({
      'GET /api/v1/report-folders': () => FOLDERS,
      'GET /api/v1/reports/R1': () => report,
      'POST /api/v1/reports/run': () => summaryByStageAndMonth(),
      'PATCH /api/v1/reports/R1': () =>
        ++attempt === 1
          ? [422, { code: 'invalid_request', errors: [{ field: 'definition.aggregates.0.field', code: 'report_field_hidden', message: 'You cannot see this field.' }] }]
          : { ...report, version: 6 },
    });
    renderReports('/reports/R1/edit', { '/reports/:id/edit': <ReportBuilderPage />, '/reports/:id': <div data-testid="viewer" /> });
    await waitFor(() => expect(runs(calls)).toHaveLength(1));
    expect(runs(calls)[0].body).toMatchObject({ filter: { field: 'close_date', op: 'eq', value: 'this_fiscal_year' }, sort: [{ key: 'sum_amount', direction: 'desc' }] });
    expect((screen.getByTestId('builder-name') as HTMLInputElement).value).toBe('Pipeline');
    // The filter shows as a condition with the fiscal period.
    expect(within(screen.getByTestId('filter-builder')).getByText('This fiscal year')).toBeTruthy();

    fireEvent.click(screen.getByTestId('builder-save'));
    expect(await within(screen.getByTestId('builder-aggregates-0')).findByText('You cannot see this field.')).toBeTruthy();
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.headers.get('If-Match')).toBe('5');
    // A name stored per language is not overwritten when it was not edited.
    expect(patch.body.name).toBeUndefined();
    expect(patch.body.chart).toEqual({ type: 'funnel', x: 'stage', value: 'sum_amount' });

    fireEvent.click(screen.getByTestId('builder-save'));
    await screen.findByTestId('viewer');
  });
});

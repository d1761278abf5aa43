import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EChartOption } from '../../charts/EChart';
import type { ChartSpec, ReportResult, SavedReport } from '../../reports/api';
import { resetFiscalStartMonth } from '../../reports/api';
import { renderReports, stubFetch, type Call } from '../../reports/test/api';
import { matrixByIndustryAndQuarter, summaryByStageAndMonth, tabularOpportunities } from '../../reports/test/results';
import '../../i18n/reports';
import ReportViewerPage from './ReportViewerPage';

// ECharts needs a canvas, which jsdom does not have: the chart's option is what the page
// decides, so the stand-in shows it and clicks its second data item as a person would.
vi.mock('../../charts/EChart', () => ({
  default: ({ option, onClick }: { option: EChartOption; onClick?: (e: { dataIndex: number; data: unknown }) => void }) => {
    const series = (option as { series: { data: { key?: unknown }[] }[] }).series;
    const labels = (option as { xAxis?: { data?: string[] } }).xAxis?.data ?? [];
    return (
      <div data-testid="echart" data-labels={labels.join('|')}>
        <button type="button" onClick={() => onClick?.({ dataIndex: 1, data: series[0].data[1] })}>
          bar 2
        </button>
      </div>
    );
  },
}));

beforeEach(() => resetFiscalStartMonth());
afterEach(() => vi.unstubAllGlobals());

function saved(type: SavedReport['type'], chart: ChartSpec | null): SavedReport {
  return {
    id: 'R1',
    name: { en: 'Pipeline', 'zh-CN': '销售漏斗' },
    description: { '': 'Open and won deals' },
    folder_id: 'F1',
    object: type === 'matrix' ? 'account' : 'opportunity',
    type,
    chart,
    owner_id: 'U1',
    package: null,
    key: null,
    can_edit: true,
    version: 2,
    updated_at: '2026-03-01T08:00:00Z',
    definition: { object: 'opportunity', type, group_by: [], column_group_by: [], aggregates: [{ op: 'count' }], sort: [] },
  };
}

function routes(report: SavedReport, result: () => ReportResult, extra: Record<string, (c: Call) => unknown> = {}) {
  return {
    'GET /api/v1/reports/R1': () => report,
    'POST /api/v1/reports/R1/run': (c: Call) => (c.body.drill ? { ...tabularOpportunities(null), filter: { and: [{ field: 'stage', op: 'eq', value: 'won' }] } } : result()),
    'GET /api/v1/analytics/settings': () => ({ fiscal_year_start_month: 4 }),
    ...extra,
  };
}

describe('ReportViewerPage', () => {
  it('shows a summary’s chart and its subtotal, group and grand-total rows; drills from a row and from a bar', async () => {
    const calls = stubFetch(routes(saved('summary', { type: 'bar', x: 'stage', value: 'sum_amount' }), summaryByStageAndMonth));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    expect((await screen.findByTestId('report-name')).textContent).toBe('Pipeline');
    expect((await screen.findByTestId('echart')).getAttribute('data-labels')).toBe('Prospecting|Closed won|(empty)');

    const table = screen.getByTestId('report-summary');
    const kinds = [...table.querySelectorAll('tr[data-testid^="report-row-"]')].map((tr) => `${tr.getAttribute('data-testid')!.slice(11)}:${tr.getAttribute('data-depth')}`);
    expect(kinds).toEqual(['subtotal:0', 'group:1', 'group:1', 'subtotal:0', 'group:1', 'subtotal:0', 'group:1', 'total:0']);
    const total = within(table).getByTestId('report-row-total');
    expect(total.textContent).toContain('Grand total');
    expect(total.textContent).toContain('CN¥10,000.00');
    expect(total.textContent).toContain('100%');
    expect(table.textContent).toContain('2026-01');
    expect(table.textContent).toContain('Sum of amount: % of total');

    fireEvent.click(within(table).getAllByRole('button', { name: 'Closed won' })[0]);
    const drawer = await screen.findByTestId('drill-drawer');
    expect(await within(drawer).findByText('Big deal')).toBeTruthy();
    const drill = calls.find((c) => c.body.drill)!;
    expect(drill.body).toEqual({ drill: { stage: 'won' } });
    fireEvent.click(within(drawer).getByTestId('drill-open-list'));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toMatch(/^\/o\/opportunity\?f=/));
    const f = new URLSearchParams(screen.getByTestId('location').textContent!.split('?')[1]).get('f')!;
    expect(JSON.parse(f)).toEqual({ m: 'and', c: [['stage', 'in', ['won']]] });
  });

  it('says which currency’s amounts a report left out for want of an exchange rate', async () => {
    const withWarning = () => ({
      ...summaryByStageAndMonth(),
      currency: 'CNY',
      warnings: [{ code: 'exchange_rate_missing' as const, currency: 'JPY', field: 'amount' }],
    });
    stubFetch(routes(saved('summary', null), withWarning));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    const [alert] = await screen.findAllByTestId('report-rate-missing');
    expect(alert.textContent).toBe('No exchange rate for JPY: amount in JPY is left out of the amounts, which are in CNY.');
  });

  it('shows no currency warning when nothing was left out', async () => {
    stubFetch(routes(saved('summary', null), () => ({ ...summaryByStageAndMonth(), currency: 'CNY' })));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    await screen.findByTestId('report-summary');
    expect(screen.queryByTestId('report-rate-missing')).toBeNull();
  });

  it('drills into the group of a clicked bar', async () => {
    const calls = stubFetch(routes(saved('summary', { type: 'stacked_bar', x: 'stage', series: 'close_date', value: 'count' }), summaryByStageAndMonth));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    fireEvent.click(within(await screen.findByTestId('echart')).getByText('bar 2'));
    await waitFor(() => expect(calls.some((c) => c.body.drill)).toBe(true));
    expect(calls.find((c) => c.body.drill)!.body.drill).toEqual({ stage: 'won', close_date: '2026-01-01' });
    expect(await screen.findByText('Closed won · 2026-01')).toBeTruthy();
  });

  it('pivots a matrix with row and column totals; a cell drills into its row × column', async () => {
    const calls = stubFetch(routes(saved('matrix', { type: 'table' }), matrixByIndustryAndQuarter));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    const matrix = await screen.findByTestId('report-matrix');
    expect(screen.queryByTestId('echart')).toBeNull();
    const headers = [...matrix.querySelectorAll('thead th')].map((th) => th.textContent);
    expect(headers).toEqual(['industry', '2026 Q1', '2026 Q2', 'Grand total']);
    expect(within(matrix).getByTestId('matrix-cell-0-0').textContent).toBe('');
    expect(within(matrix).getByTestId('matrix-cell-1-0').textContent).toBe('2');
    expect(within(matrix).getByTestId('matrix-rowtotal-0').textContent).toBe('4');
    expect(within(matrix).getByTestId('matrix-coltotal-1').textContent).toBe('5');
    expect(within(matrix).getByTestId('matrix-total').textContent).toBe('7');
    fireEvent.click(within(matrix).getByTestId('matrix-cell-1-0'));
    await waitFor(() => expect(calls.some((c) => c.body.drill)).toBe(true));
    expect(calls.find((c) => c.body.drill)!.body.drill).toEqual({ industry: 'it', created_at: '2026-01-01' });
  });

  it('loads more rows of a tabular report, shows a KPI of its totals, and exports it', async () => {
    let page = 0;
    const calls = stubFetch(
      routes(saved('tabular', { type: 'kpi', value: 'count', target: 4 }), () => tabularOpportunities(), {
        'POST /api/v1/reports/R1/run': (c) =>
          c.body.cursor ? { ...tabularOpportunities(null), records: [{ id: 'O3', name: 'Third deal', stage: 'lost', amount: 1 }] } : (page++, tabularOpportunities()),
        'POST /api/v1/reports/R1/export': () => ({ file: 'xlsx' }),
      }),
    );
    const created = vi.fn(() => 'blob:report');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    expect((await screen.findByTestId('kpi-value')).textContent).toBe('3');
    expect(screen.getByTestId('kpi-target').textContent).toContain('75%');
    expect(await screen.findByText('Big deal')).toBeTruthy();
    expect(screen.getByText('Closed won')).toBeTruthy();
    fireEvent.click(screen.getByTestId('report-more'));
    expect(await screen.findByText('Third deal')).toBeTruthy();
    expect(screen.getByText('Big deal')).toBeTruthy();
    expect(calls.find((c) => c.body.cursor)!.body).toEqual({ cursor: 'c2' });
    expect(screen.queryByTestId('report-more')).toBeNull();

    fireEvent.click(screen.getByTestId('report-export'));
    fireEvent.click(await screen.findByTestId('export-xlsx'));
    await waitFor(() => expect(created).toHaveBeenCalled());
    const exported = calls.find((c) => c.path === '/api/v1/reports/R1/export')!;
    expect(exported.method).toBe('POST');
    expect(exported.query.get('format')).toBe('xlsx');
    expect(page).toBe(1);
  });

  it('says the report is closed when the reader lost a field it reads', async () => {
    stubFetch(
      routes(saved('summary', null), summaryByStageAndMonth, {
        'POST /api/v1/reports/R1/run': () => [403, { code: 'report_field_hidden', title: 'Forbidden', detail: 'You cannot see the field amount this report reads.' }],
      }),
    );
    renderReports('/reports/R1', { '/reports/:id': <ReportViewerPage /> });
    const closed = await screen.findByTestId('report-forbidden');
    expect(closed.textContent).toContain('This report is closed to you');
    expect(closed.textContent).toContain('You cannot see the field amount this report reads.');
  });
});

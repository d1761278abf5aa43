import { describe, expect, it } from 'vitest';
import type { Lang } from '../api/types';
import { DEFAULT_FORMAT } from '../lib/format';
import type { ChartSpec, ReportResult } from '../reports/api';
import { matrixByIndustryAndQuarter, summaryByStageAndMonth } from '../reports/test/results';
import { OBJECTS } from '../test/fixtures';
import { chartData, reportChartOption, type ReportLocale } from './reportChart';
import { makeKeyLabeller } from './reportLabels';

function locale(lang: Lang, object: string, fiscalStartMonth = 1): ReportLocale {
  const fmt = { ...DEFAULT_FORMAT, lang, locale: 'en-US' };
  return { lang, numberLocale: 'en-US', timeZone: fmt.timeZone, keyLabel: makeKeyLabeller({ lang, fmt, objects: OBJECTS, object, fiscalStartMonth }) };
}
type Opt = Record<string, unknown> & { series: Record<string, unknown>[] };
const option = (result: ReportResult, chart: ChartSpec, lang: Lang = 'en', currency = 'CNY') =>
  reportChartOption(result, chart, locale(lang, result.object), currency) as unknown as Opt;
const values = (s: Record<string, unknown>) => (s.data as { value: number | null }[]).map((d) => d.value);

describe('reportChartOption', () => {
  it('draws a bar per first-level group from the subtotals, labelled with picklist labels in the reader’s language', () => {
    const result = summaryByStageAndMonth();
    const en = option(result, { type: 'bar', x: 'stage', value: 'sum_amount' });
    expect((en.xAxis as { data: string[] }).data).toEqual(['Prospecting', 'Closed won', '(empty)']);
    expect(en.series).toHaveLength(1);
    expect(en.series[0].type).toBe('bar');
    // The subtotal of prospecting (1000 + 500.5), not one of its months.
    expect(values(en.series[0])).toEqual([1500.5, 8000, 499.5]);
    expect(en.series[0].name).toBe('Sum of amount');
    expect((en.series[0].data as { key: unknown }[])[1].key).toEqual({ stage: 'won' });
    const zh = option(result, { type: 'bar', x: 'stage', value: 'sum_amount' }, 'zh-CN');
    expect((zh.xAxis as { data: string[] }).data).toEqual(['初步接洽', '赢单', '（空）']);
  });

  it('formats money in the tenant currency, in the tooltip and on the axis', () => {
    const opt = option(summaryByStageAndMonth(), { type: 'bar', x: 'stage', value: 'sum_amount' }, 'en', 'USD');
    const tooltip = opt.tooltip as { valueFormatter: (v: unknown) => string };
    expect(tooltip.valueFormatter(1500.5)).toBe('$1,500.50');
    const axis = (opt.yAxis as { axisLabel: { formatter: (v: unknown) => string } }).axisLabel;
    expect(axis.formatter(8000)).toBe('$8K');
    const counts = option(summaryByStageAndMonth(), { type: 'bar', x: 'stage', value: 'count' });
    expect((counts.tooltip as { valueFormatter: (v: unknown) => string }).valueFormatter(3)).toBe('3');
    const share = option(summaryByStageAndMonth(), { type: 'bar', x: 'stage', value: 'percent_sum_amount' });
    expect((share.tooltip as { valueFormatter: (v: unknown) => string }).valueFormatter(15)).toBe('15%');
  });

  it('stacks one series per second grouping, with months as 2026-01 and a legend', () => {
    const opt = option(summaryByStageAndMonth(), { type: 'stacked_bar', x: 'stage', series: 'close_date', value: 'count' });
    expect(opt.series.map((s) => s.name)).toEqual(['2026-01', '2026-02', '(empty)']);
    expect(opt.series.every((s) => s.stack === 'total')).toBe(true);
    expect(values(opt.series[0])).toEqual([2, 3, null]);
    expect(values(opt.series[1])).toEqual([1, null, null]);
    expect(opt.legend).toBeTruthy();
    expect((opt.series[0].data as { key: unknown }[])[1].key).toEqual({ stage: 'won', close_date: '2026-01-01' });
  });

  it('turns bars horizontal, and draws lines and areas', () => {
    const h = option(summaryByStageAndMonth(), { type: 'bar', x: 'stage', value: 'count', horizontal: true });
    expect((h.yAxis as { type: string }).type).toBe('category');
    expect((h.xAxis as { type: string }).type).toBe('value');
    const line = option(summaryByStageAndMonth(), { type: 'line', x: 'stage', value: 'count' });
    expect(line.series[0].type).toBe('line');
    expect(line.series[0].areaStyle).toBeUndefined();
    const area = option(summaryByStageAndMonth(), { type: 'area', x: 'stage', series: 'close_date', value: 'count' });
    expect(area.series[0].type).toBe('line');
    expect(area.series[0].areaStyle).toBeTruthy();
    expect(area.series[0].stack).toBe('total');
  });

  it('draws pie, donut and funnel slices in the result’s order (stage order, not largest first)', () => {
    const result = summaryByStageAndMonth();
    const pie = option(result, { type: 'pie', x: 'stage', series: 'close_date', value: 'count' });
    const slices = pie.series[0].data as { name: string; value: number }[];
    expect(slices.map((s) => [s.name, s.value])).toEqual([
      ['Prospecting', 3],
      ['Closed won', 3],
      ['(empty)', 1],
    ]);
    expect(pie.series[0].radius).toBe('68%');
    const donut = option(result, { type: 'donut', x: 'stage', value: 'count' });
    expect(donut.series[0].radius).toEqual(['42%', '68%']);
    const funnel = option(result, { type: 'funnel', x: 'stage', value: 'sum_amount' });
    expect(funnel.series[0].type).toBe('funnel');
    expect(funnel.series[0].sort).toBe('none');
    expect((funnel.series[0].data as { value: number }[]).map((d) => d.value)).toEqual([1500.5, 8000, 499.5]);
  });

  it('draws a matrix’s cells with its column grouping as series in date order, quarters as 2026 Q1', () => {
    const opt = option(matrixByIndustryAndQuarter(), { type: 'bar', x: 'industry', series: 'created_at', value: 'count' });
    expect((opt.xAxis as { data: string[] }).data).toEqual(['Manufacturing', 'IT']);
    // The cells list 2026 Q2 first (manufacturing has no Q1): the series are in quarter order.
    expect(opt.series.map((s) => s.name)).toEqual(['2026 Q1', '2026 Q2']);
    expect(values(opt.series[0])).toEqual([null, 2]);
    expect(values(opt.series[1])).toEqual([4, 1]);
    const rows = option(matrixByIndustryAndQuarter(), { type: 'pie', x: 'industry', value: 'count' });
    expect((rows.series[0].data as { value: number }[]).map((d) => d.value)).toEqual([4, 3]);
  });

  it('folds finer rows only for values that fold: counts add up, averages are left out', () => {
    const result = summaryByStageAndMonth();
    // By month alone (the second grouping): no such rows, so months are folded over stages.
    const data = chartData(result, 'close_date', null, 'count', locale('en', 'opportunity').keyLabel, 'en')!;
    expect(data.categories.map((c) => c.label)).toEqual(['2026-01', '2026-02', '(empty)']);
    expect(data.series[0].points.map((p) => p.value)).toEqual([5, 1, 1]);
    const avg: ReportResult = {
      ...result,
      columns: [...result.columns, { key: 'avg_amount', kind: 'aggregate', op: 'avg', field: 'amount', type: 'currency' }],
    };
    const folded = chartData(avg, 'close_date', null, 'avg_amount', locale('en', 'opportunity').keyLabel, 'en')!;
    expect(folded.series[0].points.map((p) => p.value)).toEqual([null, null, null]);
  });

  it('draws nothing for a KPI, a table, a tabular result or a chart naming an unknown grouping', () => {
    const result = summaryByStageAndMonth();
    expect(option(result, { type: 'kpi', value: 'count' })).toBeNull();
    expect(option(result, { type: 'table' })).toBeNull();
    expect(option(result, { type: 'bar', x: 'owner_id', value: 'count' })).toBeNull();
    const tabular: ReportResult = { type: 'tabular', object: 'opportunity', columns: [], records: [], next_cursor: null, totals: {} };
    expect(option(tabular, { type: 'bar', value: 'count' })).toBeNull();
  });
});

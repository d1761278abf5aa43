/**
 * A report's result drawn as its chart says: the ECharts option for bar, stacked bar, line,
 * area, pie, donut and funnel charts (a KPI is a card, see KpiCard.tsx; a table needs none).
 *
 * Pure functions of the result, so what a chart shows is unit-tested without a canvas. The
 * numbers come from the rows that have exactly the chart's groupings (a summary's subtotals
 * for its first grouping, a matrix's cells, row or column totals); only when no such rows
 * exist are finer rows folded here, and only for values that fold (counts, sums, minima,
 * maxima, shares) — an average or a distinct count of a fold would be wrong, so it is left out.
 */
import type { EChartOption } from './EChart';
import type { Lang } from '../api/types';
import type { FormatSettings } from '../lib/format';
import { toNumber } from '../lib/format';
import type { ChartSpec, ChartType, GroupKey, ReportResult, ResultColumn, ResultGroup, Values } from '../reports/api';
import { comparator } from '../reports/pivot';
import { formatAxisValue, formatReportValue, measureLabel, valueColumn, valueKind, type KeyLabeller } from './reportLabels';

/** How the reader reads labels and numbers. */
export interface ReportLocale {
  /** The UI language. */
  lang: Lang;
  /** The tenant's number locale (digit grouping). */
  numberLocale: string;
  timeZone: string;
  /** Group keys' labels (picklist labels, titles, date buckets): see makeKeyLabeller. */
  keyLabel: KeyLabeller;
}

/** The charts drawn with ECharts. */
export const ECHART_TYPES: ChartType[] = ['bar', 'stacked_bar', 'line', 'area', 'pie', 'donut', 'funnel'];
const BY_CATEGORY_ONLY: ChartType[] = ['pie', 'donut', 'funnel'];
const COLORS = ['#3358d4', '#12a594', '#f5a524', '#e5484d', '#8e4ec6', '#0090ff', '#ad7f58', '#30a46c', '#d6409f', '#6e56cf'];

export interface ChartPoint {
  value: number | null;
  /** The group a click on it drills into. */
  key: GroupKey;
}
export interface ChartSeries {
  key: unknown;
  label: string;
  points: ChartPoint[];
}
export interface ChartData {
  categories: { key: unknown; label: string }[];
  series: ChartSeries[];
  column: ResultColumn | undefined;
}

const groupings = (result: ReportResult) => result.columns.filter((c) => c.kind === 'row_group' || c.kind === 'column_group');

/** The axes a new chart proposes: the first grouping across, the second (a matrix's first
 * column grouping) as the series. */
export function defaultAxes(result: ReportResult): { x: string | null; series: string | null } {
  const rows = result.columns.filter((c) => c.kind === 'row_group');
  const cols = result.columns.filter((c) => c.kind === 'column_group');
  if (result.type === 'matrix') return { x: rows[0]?.key ?? null, series: cols[0]?.key ?? null };
  return { x: rows[0]?.key ?? null, series: rows[1]?.key ?? null };
}

/** Every set of rows the result has, each with the groupings its keys hold. */
function sources(result: ReportResult): { keys: string[]; rows: ResultGroup[] }[] {
  if (result.type === 'tabular') return [];
  const rowKeys = result.columns.filter((c) => c.kind === 'row_group').map((c) => c.key);
  const colKeys = result.columns.filter((c) => c.kind === 'column_group').map((c) => c.key);
  if (result.type === 'matrix') {
    return [
      { keys: [...rowKeys, ...colKeys], rows: result.groups },
      { keys: rowKeys, rows: result.row_totals },
      { keys: colKeys, rows: result.column_totals },
    ];
  }
  const found = [{ keys: rowKeys, rows: result.groups }];
  for (let level = 1; level < rowKeys.length; level++) {
    found.push({ keys: rowKeys.slice(0, level), rows: result.subtotals.filter((s) => s.level === level) });
  }
  return found;
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((k) => b.includes(k));
const keyId = (v: unknown) => JSON.stringify(v ?? null);

/** Fold one value over rows, when that value folds (see the module comment). */
function fold(rows: ResultGroup[], name: string, column: ResultColumn | undefined): number | null {
  const present = rows.map((r) => toNumber(r.values[name])).filter((n): n is number => n !== null);
  if (!present.length) return null;
  const op = name.startsWith('percent_') ? 'sum' : column?.op;
  if (op === 'count' || op === 'sum') return present.reduce((a, b) => a + b, 0);
  if (op === 'min') return Math.min(...present);
  if (op === 'max') return Math.max(...present);
  return null;
}

/**
 * The result's values of `value` by `x` (and `series`), in the result's order: the report's
 * sort and the server's key order (stage order for picklists, dates ascending).
 */
export function chartData(result: ReportResult, x: string | null, series: string | null, value: string, keyLabel: KeyLabeller, lang: Lang): ChartData | null {
  if (result.type === 'tabular' || !x) return null;
  const byKey = new Map(groupings(result).map((c) => [c.key, c]));
  const wanted = series && series !== x ? [x, series] : [x];
  if (!wanted.every((k) => byKey.has(k))) return null;
  const all = sources(result);
  const exact = all.find((s) => sameSet(s.keys, wanted));
  const source = exact ?? all.find((s) => wanted.every((k) => s.keys.includes(k)));
  if (!source) return null;
  const column = valueColumn(result.columns, value);

  const categories: { key: unknown; label: string }[] = [];
  const seriesKeys: { key: unknown; label: string }[] = [];
  const cells = new Map<string, ResultGroup[]>();
  for (const row of source.rows) {
    const cx = row.key[x];
    if (!categories.some((c) => keyId(c.key) === keyId(cx))) categories.push({ key: cx ?? null, label: keyLabel(byKey.get(x), cx) });
    const sx = series && series !== x ? row.key[series] : undefined;
    if (series && series !== x && !seriesKeys.some((s) => keyId(s.key) === keyId(sx))) seriesKeys.push({ key: sx ?? null, label: keyLabel(byKey.get(series), sx) });
    const id = keyId([cx ?? null, sx ?? null]);
    cells.set(id, [...(cells.get(id) ?? []), row]);
  }
  // Series, and categories of a grouping other than the first row grouping, come in the order
  // their keys first appear in the rows (a month missing from the first stage would come after
  // later months): they are put in their grouping's order where it is known. The first row
  // grouping keeps the report's order (its sort may be by a value).
  const firstRow = result.columns.find((c) => c.kind === 'row_group')?.key;
  const sortBy = (list: { key: unknown }[], path: string) => {
    const order = comparator(byKey.get(path));
    if (order) list.sort((a, b) => order(a.key, b.key));
  };
  if (x !== firstRow) sortBy(categories, x);
  if (series && series !== x) sortBy(seriesKeys, series);
  const point = (cx: unknown, sx: unknown): ChartPoint => {
    const rows = cells.get(keyId([cx ?? null, sx ?? null])) ?? [];
    const key: GroupKey = { [x]: cx ?? null };
    if (series && series !== x) key[series] = sx ?? null;
    const v = exact && rows.length === 1 ? toNumber(rows[0].values[value]) : fold(rows, value, column);
    return { value: v, key };
  };
  const list: ChartSeries[] = series && series !== x
    ? seriesKeys.map((s) => ({ key: s.key, label: s.label, points: categories.map((c) => point(c.key, s.key)) }))
    : [{ key: null, label: measureLabel(column, value, lang), points: categories.map((c) => point(c.key, undefined)) }];
  return { categories, series: list, column };
}

function settings(locale: ReportLocale, currency: string): FormatSettings {
  return { lang: locale.lang, locale: locale.numberLocale, currency, timeZone: locale.timeZone };
}

/**
 * The ECharts option of a report's chart, or null when there is nothing to draw (a KPI, a
 * table, a tabular report, a chart naming groupings or values the result does not have).
 * Each data item carries its group's `key`, for a click to drill into.
 */
export function reportChartOption(result: ReportResult, chart: ChartSpec, locale: ReportLocale, currency: string): EChartOption | null {
  if (!ECHART_TYPES.includes(chart.type) || !chart.value) return null;
  const axes = defaultAxes(result);
  const x = chart.x ?? axes.x;
  // A stored chart keeps only what is set: no `series` is a single series (the builder names
  // the second grouping when it proposes a chart); no `x` is the first grouping.
  const series = BY_CATEGORY_ONLY.includes(chart.type) ? null : (chart.series ?? null);
  const data = chartData(result, x, series, chart.value, locale.keyLabel, locale.lang);
  if (!data || !data.categories.length) return null;
  const fmt = settings(locale, currency);
  const kind = valueKind(data.column, chart.value);
  const text = (v: unknown) => formatReportValue(kind, v, fmt, currency);
  const tick = (v: unknown) => formatAxisValue(kind, v, fmt, currency);
  const labels = data.categories.map((c) => c.label);

  if (BY_CATEGORY_ONLY.includes(chart.type)) {
    const items = data.categories.map((c, i) => ({ name: c.label, value: data.series[0].points[i].value, key: data.series[0].points[i].key }));
    const common = {
      color: COLORS,
      tooltip: { trigger: 'item', valueFormatter: text },
      legend: { type: 'scroll', bottom: 0 },
    };
    if (chart.type === 'funnel') {
      return {
        ...common,
        series: [
          {
            type: 'funnel',
            // The result's order (stage order), not ECharts' default largest-first.
            sort: 'none',
            left: '10%',
            width: '80%',
            top: 16,
            bottom: 40,
            minSize: '8%',
            label: { show: true, position: 'inside', formatter: '{b}' },
            data: items,
          },
        ],
      };
    }
    return {
      ...common,
      series: [
        {
          type: 'pie',
          radius: chart.type === 'donut' ? ['42%', '68%'] : '68%',
          center: ['50%', '46%'],
          label: { formatter: '{b}: {d}%' },
          data: items,
        },
      ],
    };
  }

  const horizontal = !!chart.horizontal && (chart.type === 'bar' || chart.type === 'stacked_bar');
  const stacked = chart.type === 'stacked_bar' || (chart.type === 'area' && data.series.length > 1);
  const legend = data.series.length > 1;
  // Every category labelled (a stage must not vanish because its neighbour's name is long):
  // slanted when there are many, cut to a width rather than hidden.
  const categoryAxis = {
    type: 'category',
    data: labels,
    axisTick: { show: false },
    axisLabel: horizontal ? { width: 140, overflow: 'truncate' } : { interval: 0, rotate: labels.length > 6 ? 30 : 0, width: 120, overflow: 'truncate' },
  };
  const valueAxis = { type: 'value', axisLabel: { formatter: tick }, splitLine: { lineStyle: { color: '#eef1f6' } } };
  const line = chart.type === 'line' || chart.type === 'area';
  return {
    color: COLORS,
    grid: { left: 8, right: 16, top: legend ? 36 : 16, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: line ? 'line' : 'shadow' }, valueFormatter: text },
    ...(legend ? { legend: { type: 'scroll', top: 0 } } : {}),
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: data.series.map((s) => ({
      type: line ? 'line' : 'bar',
      name: s.label,
      data: s.points.map((p) => ({ value: p.value, key: p.key })),
      ...(stacked ? { stack: 'total' } : {}),
      ...(chart.type === 'area' ? { areaStyle: { opacity: stacked ? 0.55 : 0.25 } } : {}),
      ...(line ? { connectNulls: false, symbolSize: 6 } : { barMaxWidth: 44 }),
    })),
  };
}

/** A KPI's number: the value over the whole report (its grand total). */
export function kpiValue(totals: Values, value: string | null | undefined): number | null {
  return value ? toNumber(totals[value]) : null;
}

/**
 * The report builder's model and its rules: which fields each control offers (the object's own
 * and one level of lookup paths, `account › province`), how many groupings each type takes,
 * the builder's state ↔ the API's definition, where a server error belongs, and a drill-down's
 * filter as a list page's URL.
 */
import type { FieldMeta, FilterNode, Lang, ObjectMeta } from '../api/types';
import { pickLabel } from '../i18n';
import { filterableFields } from '../components/FilterBuilder';
import { defaultColumns, getField, isSystemField, NUMBER_TYPES, resolvePath, valueType } from '../lib/fields';
import { andFilters, buildFilter, isRelativeDate, serializeFilterState, EMPTY_FILTER, type FilterState } from '../lib/filter';
import { treeToFilterState } from '../lib/views';
import type { AggregateOp, Bucket, ChartSpec, ChartType, Grouping, Measure, ReportDefinition, ReportSort, ReportType } from './api';

/** Row groupings per type (the server's MAX_ROW_GROUPS); a matrix takes 1–2 column groupings. */
export const MAX_ROW_GROUPS: Record<ReportType, number> = { tabular: 0, summary: 3, matrix: 2 };
export const MAX_COLUMN_GROUPS = 2;
export const MAX_AGGREGATES = 10;
export const MAX_SORT = 5;

/** A field a control offers: a field of the object, or of the record a lookup points at. */
export interface FieldChoice {
  /** The API path: `stage`, `account.province`. */
  path: string;
  field: FieldMeta;
  /** `Account › Province` in the reader's language. */
  label: string;
  /** The lookup it is reached through (for grouping the picker's options). */
  via: FieldMeta | null;
}

const REFERENCES = new Set(['lookup', 'master_detail', 'owner']);
const NOT_GROUPABLE = new Set(['long_text', 'multi_picklist']);
const DATES = new Set(['date', 'datetime']);

/** Every field a report can read: the object's, then through each lookup its target's (one level). */
export function fieldChoices(objects: ObjectMeta[], object: ObjectMeta, lang: Lang): FieldChoice[] {
  const own = filterableFields(object);
  const name = (f: FieldMeta) => pickLabel(f.labels, lang, f.name);
  const choices: FieldChoice[] = own.map((f) => ({ path: f.name, field: f, label: name(f), via: null }));
  for (const lookup of own) {
    if (!REFERENCES.has(lookup.type) || !lookup.target) continue;
    const target = objects.find((o) => o.name === lookup.target);
    if (!target) continue;
    for (const f of filterableFields(target)) {
      choices.push({ path: `${lookup.name}.${f.name}`, field: f, label: `${name(lookup)} › ${name(f)}`, via: lookup });
    }
  }
  return choices;
}

/** Can rows be grouped by it? Not long texts and multi-picklists (the server refuses them). */
export function isGroupable(field: FieldMeta): boolean {
  return !NOT_GROUPABLE.has(valueType(field)) && field.name !== 'id' && field.name !== 'version';
}
export function isDateField(field: FieldMeta | undefined): boolean {
  return !!field && DATES.has(valueType(field));
}

/** Which fields an aggregate of `op` takes: sums and averages of numbers, minima and maxima of
 * numbers and dates, a distinct count of anything groupable; a plain count takes none. */
export function fieldsFor(op: AggregateOp, choices: FieldChoice[]): FieldChoice[] {
  if (op === 'count') return [];
  return choices.filter(({ field }) => {
    const t = valueType(field);
    if (op === 'sum' || op === 'avg') return NUMBER_TYPES.has(t);
    if (op === 'min' || op === 'max') return NUMBER_TYPES.has(t) || DATES.has(t);
    return isGroupable(field);
  });
}

/** The name of an aggregate's value, as the server spells it (`count`, `sum_amount`,
 * `count_distinct_account_province`). */
export function valueName(m: Measure): string {
  if (m.op === 'count' && !m.field) return 'count';
  return `${m.op}_${String(m.field ?? '').replace(/\./g, '_')}`;
}

/** The builder's state: the definition's parts as the controls edit them. */
export interface BuilderState {
  object: string;
  type: ReportType;
  groupBy: Grouping[];
  columnGroupBy: Grouping[];
  aggregates: Measure[];
  /** Record fields of a tabular report, and of every drill-down. */
  columns: string[];
  sort: ReportSort[];
  filter: FilterState;
  /** A saved filter the builder cannot show as conditions (written through the API): kept as is. */
  fixedFilter: FilterNode | null;
  dateField: string | null;
  chart: ChartSpec | null;
}

/** A new report over `object`: a summary counting its records by its first picklist (a
 * stage or status when it has one), charted as bars. */
export function newState(object: ObjectMeta): BuilderState {
  const picklists = object.fields.filter((f) => f.type === 'picklist' && !isSystemField(f));
  const first = picklists.find((f) => /stage|status/.test(f.name)) ?? picklists[0];
  const groupBy = first ? [{ field: first.name }] : [];
  return {
    object: object.name,
    type: groupBy.length ? 'summary' : 'tabular',
    groupBy,
    columnGroupBy: [],
    aggregates: [{ op: 'count' }],
    columns: defaultColumns(object),
    sort: [],
    filter: EMPTY_FILTER,
    fixedFilter: null,
    dateField: null,
    chart: groupBy.length ? { type: 'bar', x: groupBy[0].field, value: 'count' } : null,
  };
}

/** A saved definition in the builder; its filter as conditions when the builder can show it. */
export function stateFromDefinition(d: ReportDefinition, chart: ChartSpec | null, resolve: (path: string) => FieldMeta | undefined): BuilderState {
  const filter = treeToFilterState(d.filter ?? null, resolve);
  return {
    object: d.object,
    type: d.type,
    groupBy: d.group_by ?? [],
    columnGroupBy: d.column_group_by ?? [],
    aggregates: d.aggregates?.length ? d.aggregates : [{ op: 'count' }],
    columns: d.columns ?? [],
    sort: d.sort ?? [],
    filter: filter ?? EMPTY_FILTER,
    fixedFilter: filter ? null : (d.filter ?? null),
    dateField: d.date_field ?? null,
    chart,
  };
}

const clean = (g: Grouping): Grouping => (g.bucket ? { field: g.field, bucket: g.bucket } : { field: g.field });
const cleanMeasure = (m: Measure): Measure => ({
  op: m.op,
  ...(m.op !== 'count' || m.field ? { field: m.field } : {}),
  ...(m.percent_of_total ? { percent_of_total: true } : {}),
});

/** The definition the state stands for: only the parts its type takes, and of the filter the
 * complete conditions. Groupings and aggregates keep their positions (see missingParts). */
export function toDefinition(s: BuilderState, resolve: (path: string) => FieldMeta | undefined, timeZone?: string): ReportDefinition {
  const rows = s.type === 'tabular' ? [] : s.groupBy.slice(0, MAX_ROW_GROUPS[s.type]).map(clean);
  const cols = s.type === 'matrix' ? s.columnGroupBy.slice(0, MAX_COLUMN_GROUPS).map(clean) : [];
  return {
    object: s.object,
    type: s.type,
    filter: andFilters(s.fixedFilter, buildFilter(s.filter, resolve, { timeZone })),
    group_by: rows,
    column_group_by: cols,
    // One to one with the state's, so the server's `aggregates.N` errors point at row N.
    aggregates: s.aggregates.map(cleanMeasure),
    columns: s.columns.length ? s.columns : null,
    sort: s.sort,
    date_field: s.dateField,
  };
}

/** Every value a definition computes: each aggregate's, and its share when asked for. */
export function valueNamesOf(d: ReportDefinition): string[] {
  return d.aggregates.flatMap((m) => [valueName(m), ...(m.percent_of_total ? [`percent_${valueName(m)}`] : [])]);
}

/** A chart that draws this definition: its groupings and a value it computes (else none). */
export function chartFits(chart: ChartSpec | null, d: ReportDefinition): ChartSpec | null {
  if (!chart) return null;
  const groupings = [...d.group_by, ...d.column_group_by].map((g) => g.field);
  const values = valueNamesOf(d);
  if (chart.type === 'table') return { type: 'table' };
  if (d.type === 'tabular' && chart.type !== 'kpi') return null;
  const fixed: ChartSpec = { ...chart };
  if (!fixed.value || !values.includes(fixed.value)) fixed.value = values[0] ?? null;
  if (chart.type === 'kpi') return { type: 'kpi', value: fixed.value, ...(chart.target !== undefined && chart.target !== null ? { target: chart.target } : {}) };
  if (!fixed.x || !groupings.includes(fixed.x)) fixed.x = groupings[0] ?? null;
  if (!fixed.x) return null;
  if (fixed.series && (!groupings.includes(fixed.series) || fixed.series === fixed.x)) fixed.series = null;
  return fixed;
}

/** The chart the builder proposes when its type is picked: the first grouping across and, for
 * charts that have series, the second (a matrix's first column grouping). */
export function proposeChart(type: ChartType, d: ReportDefinition, previous: ChartSpec | null): ChartSpec {
  const values = valueNamesOf(d);
  const value = previous?.value && values.includes(previous.value) ? previous.value : (values[0] ?? 'count');
  if (type === 'kpi' || type === 'table') return type === 'kpi' ? { type, value } : { type };
  const x = d.group_by[0]?.field ?? null;
  const hasSeries = type === 'bar' || type === 'stacked_bar' || type === 'line' || type === 'area';
  const second = d.type === 'matrix' ? d.column_group_by[0]?.field : d.group_by[1]?.field;
  const series = hasSeries && (type === 'stacked_bar' || previous?.series) ? (second ?? null) : null;
  return { type, x, ...(series ? { series } : {}), value };
}

/**
 * The state after an edit, kept consistent: the groupings its type takes, sort keys that still
 * exist (a grouped report's groupings and values, a tabular report's own fields), and a chart
 * that still draws it.
 */
export function normalize(s: BuilderState, ownFields: Set<string>): BuilderState {
  const next: BuilderState = {
    ...s,
    groupBy: s.type === 'tabular' ? [] : s.groupBy.slice(0, MAX_ROW_GROUPS[s.type]),
    columnGroupBy: s.type === 'matrix' ? s.columnGroupBy.slice(0, MAX_COLUMN_GROUPS) : [],
    aggregates: s.type === 'tabular' ? s.aggregates.map(({ percent_of_total: _, ...m }) => m) : s.aggregates,
  };
  const d = toDefinition(next, () => undefined);
  const keys = new Set(sortKeys(d));
  next.sort = s.sort.filter((x) => (s.type === 'tabular' ? ownFields.has(x.key) : keys.has(x.key)));
  next.chart = chartFits(s.chart, d);
  return next;
}

/** What the builder asks for before the server is asked: a field for each aggregate that
 * reads one, and a matrix's row and column groupings. */
export function missingParts(s: BuilderState): string[] {
  const missing: string[] = [];
  s.aggregates.forEach((m, i) => {
    if (m.op !== 'count' && !m.field) missing.push(`aggregates.${i}.field`);
  });
  if (s.type === 'matrix' && !s.groupBy.length) missing.push('group_by');
  if (s.type === 'matrix' && !s.columnGroupBy.length) missing.push('column_group_by');
  return missing;
}

/** Sort keys a grouped report takes: its groupings and its values; a tabular report's fields. */
export function sortKeys(d: ReportDefinition): string[] {
  if (d.type === 'tabular') return [];
  return [...d.group_by, ...d.column_group_by].map((g) => g.field).concat(valueNamesOf(d));
}

/** Date buckets offered for a date grouping. */
export const DATE_BUCKETS: Bucket[] = ['day', 'week', 'month', 'quarter', 'year', 'fiscal_quarter', 'fiscal_year'];

/**
 * Where a server error belongs in the builder: its field path without the body's wrapper
 * (`definition.group_by.0.field` when saving, `group_by.0.field` when running).
 */
export function errorPath(field: string | null | undefined): string {
  return (field ?? '').replace(/^body\./, '').replace(/^definition\./, '');
}

/** Resolve a path of the report's object (`stage`, `account.province`). */
export function resolver(objects: ObjectMeta[], object: ObjectMeta | undefined): (path: string) => FieldMeta | undefined {
  return (path) => (object ? resolvePath(objects, object, path) : undefined);
}

function flatten(node: FilterNode | null | undefined): FilterNode[] {
  if (!node) return [];
  if ('and' in node) return node.and.flatMap(flatten);
  return [node];
}

/** Date-time bounds of a drill-down (the tenant's local midnights) as the days they start. */
function asDays(node: FilterNode, field: FieldMeta | undefined): FilterNode {
  if (!field || valueType(field) !== 'datetime' || !('field' in node) || (node.op !== 'gte' && node.op !== 'lt')) return node;
  const v = node.value;
  return typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T00:00:00/.test(v) ? { ...node, value: v.slice(0, 10) } : node;
}

/**
 * The list page's URL showing a drill-down's records (`/o/opportunity?f=…`), or null when the
 * list's filter cannot hold the whole filter: a list filters on the object's own fields with
 * one and/or, so a group of a lookup path (`account.province`) or a report filter with nested
 * `or`s opens no list rather than a list of other records.
 */
export function drillListUrl(object: ObjectMeta, filter: FilterNode | null | undefined): string | null {
  const own = (path: string) => (path.includes('.') ? undefined : getField(object, path));
  const parts = flatten(filter).map((n) => ('field' in n ? asDays(n, own(n.field)) : n));
  if (parts.some((n) => 'field' in n && n.field.includes('.'))) return null;
  // A date-time grouped without a bucket is one instant: a list filters date-times by day.
  const instant = (n: FilterNode) => {
    const f = 'field' in n ? own(n.field) : undefined;
    return !!f && 'field' in n && n.op === 'eq' && valueType(f) === 'datetime' && !isRelativeDate(n.value);
  };
  if (parts.some(instant)) return null;
  const state = treeToFilterState(parts.length ? { and: parts } : null, own);
  if (!state) return null;
  const f = serializeFilterState(state);
  return `/o/${encodeURIComponent(object.name)}${f ? `?f=${encodeURIComponent(f)}` : ''}`;
}

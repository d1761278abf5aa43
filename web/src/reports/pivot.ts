/**
 * The tables of a grouped result, as rows to render: a summary's groups under indented
 * subtotal rows with a grand total last, and a matrix pivoted into row keys × column keys with
 * row and column totals. Pure, so the layout is unit-tested apart from the screen.
 */
import type { GroupKey, MatrixResult, ReportResult, ReportSort, ResultColumn, ResultGroup, SummaryResult, Values } from './api';

export interface SummaryRow {
  /** Stable React key. */
  id: string;
  kind: 'subtotal' | 'group' | 'total';
  /** Indentation: 0 for the first grouping's rows. */
  depth: number;
  /** The grouping this row names (the last of its key), none for the grand total. */
  grouping: string | null;
  /** The row's key: the groupings down to its own (what a drill-down asks for). */
  key: GroupKey;
  values: Values;
}

const keyId = (key: GroupKey, paths: string[]) => JSON.stringify(paths.map((p) => key[p] ?? null));

/**
 * A summary's rows in the result's order: before the groups of each key of a coarser grouping,
 * that key's subtotal row; the finest groupings' own rows indented below; then the grand total.
 */
export function summaryRows(result: SummaryResult): SummaryRow[] {
  const paths = result.columns.filter((c) => c.kind === 'row_group').map((c) => c.key);
  const subtotals = new Map<string, Values>();
  for (const s of result.subtotals) subtotals.set(`${s.level}:${keyId(s.key, paths.slice(0, s.level))}`, s.values);
  const rows: SummaryRow[] = [];
  // Without groupings the one group is the whole report: its grand total says it all.
  const groups = paths.length ? result.groups : [];
  let previous: GroupKey | null = null;
  for (const group of groups) {
    // A new key at some level opens a subtotal row at that level and every finer one.
    let changed = previous === null;
    for (let level = 1; level < paths.length; level++) {
      const prefix = paths.slice(0, level);
      changed ||= keyId(group.key, prefix) !== keyId(previous!, prefix);
      if (!changed) continue;
      const key = Object.fromEntries(prefix.map((p) => [p, group.key[p] ?? null]));
      const id = `${level}:${keyId(key, prefix)}`;
      rows.push({ id: `s${id}`, kind: 'subtotal', depth: level - 1, grouping: paths[level - 1], key, values: subtotals.get(id) ?? {} });
    }
    const key = Object.fromEntries(paths.map((p) => [p, group.key[p] ?? null]));
    rows.push({ id: `g${keyId(key, paths)}`, kind: 'group', depth: Math.max(paths.length - 1, 0), grouping: paths.at(-1) ?? null, key, values: group.values });
    previous = group.key;
  }
  rows.push({ id: 'total', kind: 'total', depth: 0, grouping: null, key: {}, values: result.totals });
  return rows;
}

export interface Pivot {
  rowPaths: string[];
  columnPaths: string[];
  /** Row keys in the report's order (its sort applies to the rows). */
  rows: GroupKey[];
  /** Column keys in the server's order. */
  columns: GroupKey[];
  cell: (row: GroupKey, column: GroupKey) => Values | undefined;
  rowTotal: (row: GroupKey) => Values | undefined;
  columnTotal: (column: GroupKey) => Values | undefined;
  total: Values;
}

function index(groups: ResultGroup[], paths: string[]): Map<string, Values> {
  return new Map(groups.map((g) => [keyId(g.key, paths), g.values]));
}
function pick(key: GroupKey, paths: string[]): GroupKey {
  return Object.fromEntries(paths.map((p) => [p, key[p] ?? null]));
}
function distinct(groups: ResultGroup[], paths: string[]): GroupKey[] {
  const seen = new Set<string>();
  const found: GroupKey[] = [];
  for (const g of groups) {
    const id = keyId(g.key, paths);
    if (seen.has(id)) continue;
    seen.add(id);
    found.push(pick(g.key, paths));
  }
  return found;
}

export type Compare = (a: unknown, b: unknown) => number;

/** The order of one grouping's keys where it is known here: option order for picklists,
 * ascending for dates, buckets, numbers and booleans; empty keys last. Null: keep the server's. */
export function comparator(column: ResultColumn | undefined): Compare | null {
  if (!column) return null;
  let order: Compare | null = null;
  if (column.options?.length) {
    const at = (v: unknown) => {
      const i = column.options!.indexOf(String(v));
      return i < 0 ? column.options!.length : i;
    };
    order = (a, b) => at(a) - at(b);
  } else if (column.bucket || ['date', 'datetime', 'integer', 'decimal', 'currency', 'percent', 'boolean'].includes(column.type ?? '')) {
    order = (a, b) => (a === b ? 0 : (a as number | string) < (b as number | string) ? -1 : 1);
  }
  if (!order) return null;
  const known = order;
  return (a, b) => {
    const empty = (v: unknown) => v === null || v === undefined;
    if (empty(a) || empty(b)) return Number(empty(a)) - Number(empty(b));
    return known(a, b);
  };
}

/**
 * A matrix as a pivot: every row key × every column key (a cell no record falls in is empty).
 *
 * The column totals are folded from the cells in the order their keys first appear, row by
 * row, so a month missing from the first row would come after later months: column keys are
 * put back in their grouping's order where it is known (see `comparator`).
 */
export function pivot(result: MatrixResult): Pivot {
  const rowPaths = result.columns.filter((c) => c.kind === 'row_group').map((c) => c.key);
  const columnPaths = result.columns.filter((c) => c.kind === 'column_group').map((c) => c.key);
  const both = [...rowPaths, ...columnPaths];
  const cells = index(result.groups, both);
  const rowTotals = index(result.row_totals, rowPaths);
  const columnTotals = index(result.column_totals, columnPaths);
  // Row and column totals list every key; the cells are a fallback when a total was left out.
  const rows = result.row_totals.length ? distinct(result.row_totals, rowPaths) : distinct(result.groups, rowPaths);
  const columns = result.column_totals.length ? distinct(result.column_totals, columnPaths) : distinct(result.groups, columnPaths);
  const orders = columnPaths.map((p) => [p, comparator(result.columns.find((c) => c.key === p && c.kind === 'column_group'))] as const);
  columns.sort((a, b) => {
    for (const [p, order] of orders) {
      if (!order) return 0;
      const c = order(a[p], b[p]);
      if (c !== 0) return c;
    }
    return 0;
  });
  return {
    rowPaths,
    columnPaths,
    rows,
    columns,
    cell: (row, column) => cells.get(keyId({ ...row, ...column }, both)),
    rowTotal: (row) => rowTotals.get(keyId(row, rowPaths)),
    columnTotal: (column) => columnTotals.get(keyId(column, columnPaths)),
    total: result.totals,
  };
}

/** The value names a table shows, in the report's order (each aggregate, then its share). */
export function valueNames(columns: ResultColumn[]): string[] {
  const names: string[] = [];
  for (const c of columns) {
    if (c.kind !== 'aggregate') continue;
    names.push(c.key);
    if (c.percent_of_total) names.push(`percent_${c.key}`);
  }
  return names;
}

/**
 * Rows with their picklist keys in the picklist's option order (a pipeline's stages as the
 * pipeline runs), the other groupings' keys in the order the server gave them.
 *
 * The server orders picklist keys by their stored values (`commitment` before `prospecting`),
 * which reads as random on a pipeline. A report sorted by a value keeps the server's order (its
 * sort ranks the keys); a sort on a grouping orders its picklist keys by option, reversed when
 * descending.
 */
export function inOptionOrder<R extends ReportResult>(result: R, sort: ReportSort[] = []): R {
  if (result.type === 'tabular') return result;
  const groupings = new Map(result.columns.filter((c) => c.kind === 'row_group' || c.kind === 'column_group').map((c) => [c.key, c]));
  if (sort.some((s) => !groupings.has(s.key))) return result;
  const descending = new Set(sort.filter((s) => s.direction === 'desc').map((s) => s.key));
  const rowPaths = result.columns.filter((c) => c.kind === 'row_group').map((c) => c.key);
  const colPaths = result.columns.filter((c) => c.kind === 'column_group').map((c) => c.key);
  const reorder = <G extends ResultGroup>(rows: G[], paths: string[]): G[] => {
    const rank = paths.map((p) => {
      const options = groupings.get(p)?.options;
      if (!options?.length) return null;
      const sign = descending.has(p) ? -1 : 1;
      return (v: unknown) => {
        if (v === null || v === undefined) return options.length + 1; // empty keys last either way
        const i = options.indexOf(String(v));
        return sign * (i < 0 ? options.length : i);
      };
    });
    if (rank.every((r) => r === null)) return rows;
    const seen = new Map<string, number>();
    rows.forEach((r, i) => paths.forEach((_, d) => seen.has(`${d}:${keyId(r.key, paths.slice(0, d + 1))}`) || seen.set(`${d}:${keyId(r.key, paths.slice(0, d + 1))}`, i)));
    const terms = (r: G) => paths.map((p, d) => rank[d]?.(r.key[p]) ?? seen.get(`${d}:${keyId(r.key, paths.slice(0, d + 1))}`)!);
    return rows
      .map((r) => ({ r, t: terms(r) }))
      .sort((a, b) => {
        for (let i = 0; i < a.t.length; i++) if (a.t[i] !== b.t[i]) return a.t[i] - b.t[i];
        return 0;
      })
      .map((x) => x.r);
  };
  if (result.type === 'summary') {
    const levels = [...new Set(result.subtotals.map((s) => s.level))];
    const subtotals = levels.flatMap((level) => reorder(result.subtotals.filter((s) => s.level === level), rowPaths.slice(0, level)));
    return { ...result, groups: reorder(result.groups, rowPaths), subtotals };
  }
  return {
    ...result,
    groups: reorder(result.groups, [...rowPaths, ...colPaths]),
    row_totals: reorder(result.row_totals, rowPaths),
    column_totals: reorder(result.column_totals, colPaths),
  };
}

/**
 * The pipeline page's data mapping, as pure functions (tested without a browser): the funnel's
 * rows and ECharts option, the movement table's rows, the period a choice stands for, and the
 * filter that opens a category's records.
 */
import type { EChartOption } from '../charts/EChart';
import type { FunnelResult, MovementResult, Period } from '../api/analytics';
import type { FilterNode } from '../api/types';

export const MOVEMENT_KINDS = ['entered', 'advanced', 'slipped', 'won', 'lost'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** The periods offered for the movement table ('custom': a date range). */
export const PERIOD_CHOICES = [
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'this_fiscal_quarter',
  'last_fiscal_quarter',
  'this_year',
  'last_year',
  'custom',
] as const;
export type PeriodChoice = (typeof PERIOD_CHOICES)[number];

export type Measure = 'count' | 'amount';

export interface FunnelRow {
  stage: string;
  label: string;
  count: number;
  /** Null when the reader may not see amounts. */
  amount: number | null;
  /** Percent of this stage's records that reached the next one (null for the last). */
  conversion: number | null;
  /** Percent of the records at the top that got this far. */
  ofTop: number | null;
  won: boolean;
}

export interface MovementRow {
  kind: MovementKind;
  count: number;
  amount: number | null;
  ids: string[];
  truncated: boolean;
}

/** The funnel's rows in pipeline order, each with its share of the top of the funnel. */
export function funnelRows(result: FunnelResult): FunnelRow[] {
  const top = result.stages[0]?.count ?? 0;
  return result.stages.map((s) => ({
    stage: s.stage,
    label: s.label,
    count: s.count,
    amount: s.amount ?? null,
    conversion: s.conversion_rate ?? null,
    ofTop: top ? Math.round((s.count * 10000) / top) / 100 : null,
    won: !!s.won,
  }));
}

/** Whether amounts can be shown (the amount field is readable): else the funnel counts. */
export function hasAmounts(rows: FunnelRow[]): boolean {
  return rows.some((r) => r.amount !== null);
}

export interface FunnelFormat {
  count: (value: number) => string;
  money: (value: number) => string;
  /** "→ 75%": the conversion to the next stage, as the label shows it. */
  conversion: (rate: number) => string;
}

/**
 * The ECharts funnel: one trapezoid per stage in pipeline order (not re-sorted by value), its
 * label the stage, the measure and the conversion to the next stage.
 */
export function funnelOption(rows: FunnelRow[], measure: Measure, format: FunnelFormat): EChartOption {
  const byAmount = measure === 'amount' && hasAmounts(rows);
  const valueOf = (r: FunnelRow) => (byAmount ? (r.amount ?? 0) : r.count);
  const text = (r: FunnelRow) => (byAmount ? format.money(r.amount ?? 0) : format.count(r.count));
  const data = rows.map((r) => ({
    name: r.label,
    value: valueOf(r),
    label: {
      formatter: [r.label, text(r), r.conversion === null ? '' : format.conversion(r.conversion)].filter(Boolean).join('  '),
    },
    itemStyle: r.won ? { color: '#2f9e44' } : undefined,
  }));
  const max = Math.max(1, ...rows.map(valueOf));
  return {
    tooltip: {
      trigger: 'item',
      formatter: (p: { dataIndex: number }) => {
        const r = rows[p.dataIndex];
        return r ? [r.label, format.count(r.count), r.amount === null ? '' : format.money(r.amount)].filter(Boolean).join('<br/>') : '';
      },
    },
    series: [
      {
        type: 'funnel',
        sort: 'none',
        left: '5%',
        width: '55%',
        min: 0,
        max,
        minSize: '12%',
        gap: 3,
        label: { show: true, position: 'right', color: '#1f2937' },
        labelLine: { show: true, length: 12 },
        data,
      },
    ],
  };
}

/** The movement categories in their fixed order. */
export function movementRows(result: MovementResult): MovementRow[] {
  return MOVEMENT_KINDS.map((kind) => {
    const c = result[kind];
    return { kind, count: c.count, amount: c.amount ?? null, ids: c.ids, truncated: c.truncated };
  });
}

/** The request's period for a choice ('custom' takes both days of the range). */
export function periodFor(choice: PeriodChoice, range: [string, string] | null): Period | null {
  if (choice !== 'custom') return choice;
  return range ? { from: range[0], to: range[1] } : null;
}

/** The records of a category, as a filter (the ids the server listed, at most 200). */
export function idsFilter(ids: string[]): FilterNode {
  return { field: 'id', op: 'in', value: ids };
}

/** A funnel narrowed to one sales process, or all of them. */
export function funnelBody(pipeline: string | null): { pipeline?: string } {
  return pipeline ? { pipeline } : {};
}

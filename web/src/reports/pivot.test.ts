import { describe, expect, it } from 'vitest';
import type { SummaryResult } from './api';
import { inOptionOrder, pivot, summaryRows, valueNames } from './pivot';
import { matrixByIndustryAndQuarter, summaryByStageAndMonth } from './test/results';

describe('summaryRows', () => {
  it('puts each stage’s subtotal above its months, indented, and the grand total last', () => {
    const rows = summaryRows(summaryByStageAndMonth());
    expect(rows.map((r) => [r.kind, r.depth, JSON.stringify(r.key), r.values.count])).toEqual([
      ['subtotal', 0, '{"stage":"prospecting"}', 3],
      ['group', 1, '{"stage":"prospecting","close_date":"2026-01-01"}', 2],
      ['group', 1, '{"stage":"prospecting","close_date":"2026-02-01"}', 1],
      ['subtotal', 0, '{"stage":"won"}', 3],
      ['group', 1, '{"stage":"won","close_date":"2026-01-01"}', 3],
      ['subtotal', 0, '{"stage":null}', 1],
      ['group', 1, '{"stage":null,"close_date":null}', 1],
      ['total', 0, '{}', 7],
    ]);
    expect(rows[0].grouping).toBe('stage');
    expect(rows[1].grouping).toBe('close_date');
  });

  it('opens subtotals at every level a key changes (three groupings)', () => {
    const base = summaryByStageAndMonth();
    const owner = { key: 'owner_id', kind: 'row_group' as const, label: 'owner', type: 'owner', target: 'user' };
    const result = {
      ...base,
      columns: [base.columns[0], base.columns[1], owner, ...base.columns.slice(2)],
      groups: [
        { key: { stage: 'won', close_date: '2026-01-01', owner_id: 'U1' }, values: { count: 1 } },
        { key: { stage: 'won', close_date: '2026-01-01', owner_id: 'U2' }, values: { count: 2 } },
        { key: { stage: 'won', close_date: '2026-02-01', owner_id: 'U1' }, values: { count: 4 } },
      ],
      subtotals: [
        { level: 1, key: { stage: 'won' }, values: { count: 7 } },
        { level: 2, key: { stage: 'won', close_date: '2026-01-01' }, values: { count: 3 } },
        { level: 2, key: { stage: 'won', close_date: '2026-02-01' }, values: { count: 4 } },
      ],
      totals: { count: 7 },
    };
    expect(summaryRows(result).map((r) => `${r.kind}:${r.depth}:${r.values.count}`)).toEqual([
      'subtotal:0:7',
      'subtotal:1:3',
      'group:2:1',
      'group:2:2',
      'subtotal:1:4',
      'group:2:4',
      'total:0:7',
    ]);
  });

  it('shows only the grand total for a summary without groupings', () => {
    const result = { ...summaryByStageAndMonth(), columns: summaryByStageAndMonth().columns.filter((c) => c.kind === 'aggregate'), groups: [{ key: {}, values: { count: 7 } }], subtotals: [] };
    expect(summaryRows(result).map((r) => r.kind)).toEqual(['total']);
  });
});

describe('pivot', () => {
  it('lays a matrix out as rows × columns in date order, with empty cells and both totals', () => {
    const p = pivot(matrixByIndustryAndQuarter());
    expect(p.rows).toEqual([{ industry: 'manufacturing' }, { industry: 'it' }]);
    expect(p.columns).toEqual([{ created_at: '2026-01-01' }, { created_at: '2026-04-01' }]);
    const grid = p.rows.map((r) => p.columns.map((c) => p.cell(r, c)?.count ?? null));
    expect(grid).toEqual([
      [null, 4],
      [2, 1],
    ]);
    expect(p.rows.map((r) => p.rowTotal(r)?.count)).toEqual([4, 3]);
    expect(p.columns.map((c) => p.columnTotal(c)?.count)).toEqual([2, 5]);
    expect(p.total.count).toBe(7);
  });

  it('keeps the row order the report sorted by', () => {
    const result = matrixByIndustryAndQuarter();
    result.row_totals.reverse();
    expect(pivot(result).rows).toEqual([{ industry: 'it' }, { industry: 'manufacturing' }]);
  });

  it('lists each value and, when asked for, its share', () => {
    expect(valueNames(summaryByStageAndMonth().columns)).toEqual(['count', 'sum_amount', 'percent_sum_amount']);
  });
});

describe('inOptionOrder', () => {
  /** As the server answers: stages by their stored values (lost, prospecting, won), empty last. */
  function byValue(): SummaryResult {
    const r = summaryByStageAndMonth();
    const g = (stage: string | null, month: string | null, count: number) => ({ key: { stage, close_date: month }, values: { count } });
    return {
      ...r,
      groups: [g('lost', '2026-02-01', 1), g('prospecting', '2026-02-01', 2), g('prospecting', '2026-01-01', 3), g('won', '2026-01-01', 4), g(null, null, 5)],
      subtotals: [
        { level: 1, key: { stage: 'lost' }, values: { count: 1 } },
        { level: 1, key: { stage: 'prospecting' }, values: { count: 5 } },
        { level: 1, key: { stage: 'won' }, values: { count: 4 } },
        { level: 1, key: { stage: null }, values: { count: 5 } },
      ],
    };
  }
  const stages = (r: SummaryResult) => r.groups.map((g) => `${g.key.stage}/${g.key.close_date}`);

  it('puts picklist keys in option order, keeping the server’s order of the keys under them', () => {
    const r = inOptionOrder(byValue());
    expect(stages(r)).toEqual(['prospecting/2026-02-01', 'prospecting/2026-01-01', 'won/2026-01-01', 'lost/2026-02-01', 'null/null']);
    expect(r.subtotals.map((s) => s.key.stage)).toEqual(['prospecting', 'won', 'lost', null]);
  });

  it('reverses the options for a descending sort on the grouping, and keeps a sort by a value as the server ranked it', () => {
    expect(stages(inOptionOrder(byValue(), [{ key: 'stage', direction: 'desc' }]))).toEqual([
      'lost/2026-02-01',
      'won/2026-01-01',
      'prospecting/2026-02-01',
      'prospecting/2026-01-01',
      'null/null',
    ]);
    const ranked = byValue();
    expect(inOptionOrder(ranked, [{ key: 'count', direction: 'desc' }])).toBe(ranked);
  });

  it('orders a matrix’s rows and cells the same way', () => {
    const m = matrixByIndustryAndQuarter();
    m.row_totals.reverse();
    const r = inOptionOrder(m);
    expect(r.row_totals.map((g) => g.key.industry)).toEqual(['manufacturing', 'it']);
    expect(pivot(r).rows).toEqual([{ industry: 'manufacturing' }, { industry: 'it' }]);
  });
});

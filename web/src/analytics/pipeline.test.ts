import { describe, expect, it } from 'vitest';
import type { FunnelResult } from '../api/analytics';
import { FUNNEL, MOVEMENT } from '../test/analytics';
import { funnelBody, funnelOption, funnelRows, hasAmounts, idsFilter, movementRows, periodFor } from './pipeline';

const FORMAT = { count: (v: number) => `${v}`, money: (v: number) => `¥${v}`, conversion: (r: number) => `→ ${r}%` };

describe('funnel mapping', () => {
  it('keeps pipeline order and adds each stage’s share of the top', () => {
    const rows = funnelRows(FUNNEL);
    expect(rows.map((r) => [r.stage, r.count, r.conversion, r.ofTop, r.won])).toEqual([
      ['prospecting', 8, 75, 100, false],
      ['qualification', 6, 83.33, 75, false],
      ['negotiation', 5, 40, 62.5, false],
      ['won', 2, null, 25, true],
    ]);
    expect(hasAmounts(rows)).toBe(true);
  });

  it('draws a funnel in stage order, by count or by amount, labelled with the conversion', () => {
    const rows = funnelRows(FUNNEL);
    const series = (funnelOption(rows, 'count', FORMAT).series as { type: string; sort: string; data: { name: string; value: number; label: { formatter: string } }[] }[])[0];
    expect(series.type).toBe('funnel');
    expect(series.sort).toBe('none'); // not re-sorted by value: the stages' order is the point
    expect(series.data.map((d) => [d.name, d.value])).toEqual([
      ['Prospecting', 8],
      ['Qualification', 6],
      ['Negotiation', 5],
      ['Closed won', 2],
    ]);
    expect(series.data[0].label.formatter).toBe('Prospecting  8  → 75%');
    expect(series.data[3].label.formatter).toBe('Closed won  2');
    const byAmount = (funnelOption(rows, 'amount', FORMAT).series as { data: { value: number; label: { formatter: string } }[] }[])[0];
    expect(byAmount.data.map((d) => d.value)).toEqual([1882.5, 1867.5, 1847.5, 1500]);
    expect(byAmount.data[1].label.formatter).toBe('Qualification  ¥1867.5  → 83.33%');
  });

  it('counts when the reader may not see amounts', () => {
    const hidden: FunnelResult = { ...FUNNEL, stages: FUNNEL.stages.map((s) => ({ ...s, amount: null })) };
    const rows = funnelRows(hidden);
    expect(hasAmounts(rows)).toBe(false);
    const series = (funnelOption(rows, 'amount', FORMAT).series as { data: { value: number }[] }[])[0];
    expect(series.data.map((d) => d.value)).toEqual([8, 6, 5, 2]);
  });

  it('has no share of an empty top', () => {
    const empty: FunnelResult = { ...FUNNEL, stages: FUNNEL.stages.map((s) => ({ ...s, count: 0, conversion_rate: null })) };
    expect(funnelRows(empty).map((r) => r.ofTop)).toEqual([null, null, null, null]);
  });

  it('asks for one sales process or all', () => {
    expect(funnelBody(null)).toEqual({});
    expect(funnelBody('project')).toEqual({ pipeline: 'project' });
  });
});

describe('movement mapping', () => {
  it('lists the categories in their fixed order with their records', () => {
    const rows = movementRows(MOVEMENT);
    expect(rows.map((r) => [r.kind, r.count, r.amount, r.ids.length, r.truncated])).toEqual([
      ['entered', 1, 1, 1, false],
      ['advanced', 0, 0, 0, false],
      ['slipped', 201, 50, 200, true],
      ['won', 2, 300, 2, false],
      ['lost', 1, 300, 1, false],
    ]);
  });

  it('sends a relative period, or both days of a custom range', () => {
    expect(periodFor('this_fiscal_quarter', null)).toBe('this_fiscal_quarter');
    expect(periodFor('custom', ['2025-03-01', '2025-03-31'])).toEqual({ from: '2025-03-01', to: '2025-03-31' });
    expect(periodFor('custom', null)).toBeNull();
  });

  it('opens a category’s records by id', () => {
    expect(idsFilter(['W1', 'W2'])).toEqual({ field: 'id', op: 'in', value: ['W1', 'W2'] });
  });
});

import { describe, expect, it } from 'vitest';
import { parseFilterState } from '../lib/filter';
import { account, OBJECTS, opportunity } from '../test/fixtures';
import {
  chartFits,
  drillListUrl,
  errorPath,
  fieldChoices,
  fieldsFor,
  isGroupable,
  missingParts,
  newState,
  normalize,
  proposeChart,
  resolver,
  stateFromDefinition,
  toDefinition,
  valueName,
  type BuilderState,
} from './definition';

const resolve = resolver(OBJECTS, opportunity);
const own = new Set(opportunity.fields.map((f) => f.name));

describe('field choices', () => {
  const choices = fieldChoices(OBJECTS, opportunity, 'en');
  it('offers the object’s fields and, one lookup away, its account’s (Account › industry)', () => {
    expect(choices.some((c) => c.path === 'stage' && !c.via)).toBe(true);
    const industry = choices.find((c) => c.path === 'account.industry');
    expect(industry?.label).toBe('account › industry');
    expect(industry?.via?.name).toBe('account');
    // One level only: nothing of the account's own lookups' targets.
    expect(choices.some((c) => c.path.split('.').length > 2)).toBe(false);
  });
  it('groups by fields that group, sums numbers, takes minima of dates', () => {
    expect(isGroupable(opportunity.fields.find((f) => f.name === 'tags')!)).toBe(false);
    expect(isGroupable(account.fields.find((f) => f.name === 'description')!)).toBe(false);
    const sums = fieldsFor('sum', choices).map((c) => c.path);
    expect(sums).toContain('amount');
    expect(sums).toContain('account.annual_revenue');
    expect(sums).toContain('weighted'); // a formula returning money
    expect(sums).not.toContain('stage');
    expect(fieldsFor('min', choices).map((c) => c.path)).toContain('close_date');
    expect(fieldsFor('count_distinct', choices).map((c) => c.path)).toContain('account');
    expect(fieldsFor('count', choices)).toEqual([]);
  });
  it('names values as the server does', () => {
    expect(valueName({ op: 'count' })).toBe('count');
    expect(valueName({ op: 'sum', field: 'amount' })).toBe('sum_amount');
    expect(valueName({ op: 'count_distinct', field: 'account.industry' })).toBe('count_distinct_account_industry');
  });
});

describe('builder state ↔ definition', () => {
  it('starts a new report as a count by stage, drawn as bars', () => {
    const s = newState(opportunity);
    expect(toDefinition(s, resolve)).toMatchObject({ object: 'opportunity', type: 'summary', group_by: [{ field: 'stage' }], aggregates: [{ op: 'count' }] });
    expect(s.chart).toEqual({ type: 'bar', x: 'stage', value: 'count' });
  });

  it('sends only what the type takes: no column groupings for a summary, no groupings for a tabular report', () => {
    const s: BuilderState = {
      ...newState(opportunity),
      type: 'summary',
      groupBy: [{ field: 'stage' }, { field: 'close_date', bucket: 'fiscal_quarter' }],
      columnGroupBy: [{ field: 'owner_id' }],
      aggregates: [{ op: 'sum', field: 'amount', percent_of_total: true }],
    };
    const d = toDefinition(s, resolve);
    expect(d.group_by).toEqual([{ field: 'stage' }, { field: 'close_date', bucket: 'fiscal_quarter' }]);
    expect(d.column_group_by).toEqual([]);
    expect(d.aggregates).toEqual([{ op: 'sum', field: 'amount', percent_of_total: true }]);
    expect(toDefinition({ ...s, type: 'matrix' }, resolve).column_group_by).toEqual([{ field: 'owner_id' }]);
    expect(toDefinition({ ...s, type: 'tabular' }, resolve).group_by).toEqual([]);
  });

  it('writes the filter with its fiscal relative dates', () => {
    const s = { ...newState(opportunity), filter: parseFilterState(JSON.stringify({ m: 'and', c: [['close_date', 'within', 'this_fiscal_quarter']] })) };
    expect(toDefinition(s, resolve).filter).toEqual({ field: 'close_date', op: 'eq', value: 'this_fiscal_quarter' });
  });

  it('reads a saved definition back, keeping a filter the builder cannot show', () => {
    const nested = { or: [{ field: 'stage', op: 'eq' as const, value: 'won' }, { and: [{ field: 'amount', op: 'gt' as const, value: 5 }] }] };
    const s = stateFromDefinition({ object: 'opportunity', type: 'summary', filter: nested, group_by: [{ field: 'stage' }], column_group_by: [], aggregates: [{ op: 'count' }], sort: [] }, null, resolve);
    expect(s.filter.conditions).toEqual([]);
    expect(s.fixedFilter).toEqual(nested);
    expect(toDefinition(s, resolve).filter).toEqual(nested);
  });

  it('keeps sort keys and the chart consistent with the groupings and values', () => {
    const s: BuilderState = {
      ...newState(opportunity),
      groupBy: [{ field: 'stage' }, { field: 'close_date', bucket: 'month' }, { field: 'owner_id' }],
      sort: [{ key: 'count', direction: 'desc' }, { key: 'owner_id', direction: 'asc' }],
      chart: { type: 'stacked_bar', x: 'stage', series: 'owner_id', value: 'count' },
    };
    const matrix = normalize({ ...s, type: 'matrix' }, own);
    expect(matrix.groupBy).toHaveLength(2);
    expect(matrix.sort).toEqual([{ key: 'count', direction: 'desc' }]);
    expect(matrix.chart).toEqual({ type: 'stacked_bar', x: 'stage', series: null, value: 'count' });
    const tabular = normalize({ ...s, type: 'tabular' }, own);
    expect(tabular.sort).toEqual([{ key: 'owner_id', direction: 'asc' }]);
    expect(tabular.chart).toBeNull();
  });

  it('asks for a field before an aggregate that reads one is run, and a matrix’s two groupings', () => {
    const s: BuilderState = { ...newState(opportunity), type: 'matrix', columnGroupBy: [], aggregates: [{ op: 'count' }, { op: 'sum' }] };
    expect(missingParts(s)).toEqual(['aggregates.1.field', 'column_group_by']);
  });

  it('proposes charts across the first grouping, stacking the second', () => {
    const d = toDefinition({ ...newState(opportunity), groupBy: [{ field: 'stage' }, { field: 'close_date', bucket: 'month' }], aggregates: [{ op: 'sum', field: 'amount' }] }, resolve);
    expect(proposeChart('stacked_bar', d, null)).toEqual({ type: 'stacked_bar', x: 'stage', series: 'close_date', value: 'sum_amount' });
    expect(proposeChart('funnel', d, null)).toEqual({ type: 'funnel', x: 'stage', value: 'sum_amount' });
    expect(proposeChart('kpi', d, null)).toEqual({ type: 'kpi', value: 'sum_amount' });
    expect(chartFits({ type: 'bar', x: 'gone', value: 'gone' }, d)).toEqual({ type: 'bar', x: 'stage', value: 'sum_amount' });
  });

  it('places save errors (definition.…) and run errors at the same control', () => {
    expect(errorPath('definition.group_by.0.field')).toBe('group_by.0.field');
    expect(errorPath('group_by.0.field')).toBe('group_by.0.field');
    expect(errorPath('body.aggregates.1.op')).toBe('aggregates.1.op');
  });
});

describe('drillListUrl', () => {
  const state = (url: string) => JSON.parse(new URL(url, 'http://x').searchParams.get('f')!) as { m: string; c: unknown[][] };

  it('opens a stage × month group as the list filtered the same way', () => {
    const url = drillListUrl(opportunity, {
      and: [
        { field: 'amount', op: 'gt', value: 100 },
        { field: 'stage', op: 'eq', value: 'won' },
        { field: 'close_date', op: 'gte', value: '2026-01-01' },
        { field: 'close_date', op: 'lt', value: '2026-02-01' },
      ],
    })!;
    expect(url.startsWith('/o/opportunity?f=')).toBe(true);
    expect(state(url)).toEqual({
      m: 'and',
      c: [
        ['amount', 'gt', 100],
        ['stage', 'in', ['won']],
        ['close_date', 'on_or_after', '2026-01-01'],
        ['close_date', 'before', '2026-02-01'],
      ],
    });
  });

  it('turns a date-time bucket’s bounds (local midnights) into the days a list filters by', () => {
    const url = drillListUrl(opportunity, {
      and: [
        { field: 'next_call', op: 'gte', value: '2026-04-01T00:00:00+08:00' },
        { field: 'next_call', op: 'lt', value: '2026-07-01T00:00:00+08:00' },
        { field: 'owner_id', op: 'is_null', value: true },
      ],
    })!;
    expect(state(url).c).toEqual([
      ['next_call', 'on_or_after', '2026-04-01'],
      ['next_call', 'before', '2026-07-01'],
      ['owner_id', 'is_empty', null],
    ]);
  });

  it('opens no list for a group of a lookup path or a filter with nested ors', () => {
    expect(drillListUrl(opportunity, { and: [{ field: 'account.industry', op: 'eq', value: 'it' }] })).toBeNull();
    expect(drillListUrl(opportunity, { and: [{ or: [{ field: 'stage', op: 'eq', value: 'won' }, { field: 'stage', op: 'eq', value: 'lost' }] }, { field: 'amount', op: 'gt', value: 1 }] })).toBeNull();
  });
});

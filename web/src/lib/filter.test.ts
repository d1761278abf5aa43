import { describe, expect, it } from 'vitest';
import { opportunity } from '../test/fixtures';
import { getField } from './fields';
import {
  andFilters,
  buildFilter,
  conditionToNode,
  isComplete,
  operatorsFor,
  parseFilterState,
  serializeFilterState,
  sortFromParam,
  sortToParam,
  valueKind,
  type Condition,
  type FilterState,
} from './filter';

const resolve = (p: string) => getField(opportunity, p);
const c = (field: string, op: Condition['op'], value?: unknown): Condition => ({ id: field + op, field, op, value });

describe('operatorsFor', () => {
  it('offers operators by field type', () => {
    expect(operatorsFor(resolve('name')!)).toContain('contains');
    expect(operatorsFor(resolve('amount')!)).toEqual(expect.arrayContaining(['gt', 'between', 'is_empty']));
    expect(operatorsFor(resolve('close_date')!)).toEqual(expect.arrayContaining(['within', 'on', 'before', 'between']));
    expect(operatorsFor(resolve('stage')!)).toEqual(['in', 'not_in', 'is_empty', 'is_not_empty']);
    expect(operatorsFor(resolve('tags')!)).toEqual(['includes', 'is_empty', 'is_not_empty']);
    expect(operatorsFor(resolve('is_key')!)).toEqual(['is_true', 'is_false']);
    expect(operatorsFor(resolve('account')!)).toContain('in');
    // formula → operators of its return type (currency → numeric)
    expect(operatorsFor(resolve('weighted')!)).toContain('gte');
  });
  it('chooses value inputs by type and operator', () => {
    expect(valueKind(resolve('close_date')!, 'within')).toBe('relative');
    expect(valueKind(resolve('close_date')!, 'between')).toBe('date_range');
    expect(valueKind(resolve('amount')!, 'between')).toBe('number_range');
    expect(valueKind(resolve('stage')!, 'in')).toBe('options');
    expect(valueKind(resolve('account')!, 'in')).toBe('references');
    expect(valueKind(resolve('name')!, 'is_empty')).toBe('none');
  });
});

describe('conditionToNode', () => {
  it('maps simple operators', () => {
    expect(conditionToNode(c('name', 'contains', '华为'), resolve('name'))).toEqual({ field: 'name', op: 'contains', value: '华为' });
    expect(conditionToNode(c('amount', 'gte', 1000), resolve('amount'))).toEqual({ field: 'amount', op: 'gte', value: 1000 });
    expect(conditionToNode(c('amount', 'between', [1, 5]), resolve('amount'))).toEqual({ field: 'amount', op: 'between', value: [1, 5] });
  });
  it('maps negations and emptiness', () => {
    expect(conditionToNode(c('name', 'not_contains', 'x'), resolve('name'))).toEqual({ not: { field: 'name', op: 'contains', value: 'x' } });
    expect(conditionToNode(c('name', 'is_empty'), resolve('name'))).toEqual({ field: 'name', op: 'is_null', value: true });
    expect(conditionToNode(c('name', 'is_not_empty'), resolve('name'))).toEqual({ field: 'name', op: 'is_null', value: false });
    expect(conditionToNode(c('is_key', 'is_true'), resolve('is_key'))).toEqual({ field: 'is_key', op: 'eq', value: true });
    expect(conditionToNode(c('is_key', 'is_false'), resolve('is_key'))).toEqual({ field: 'is_key', op: 'eq', value: false });
  });
  it('uses eq for one picklist value and in for several, not for none-of', () => {
    expect(conditionToNode(c('stage', 'in', ['won']), resolve('stage'))).toEqual({ field: 'stage', op: 'eq', value: 'won' });
    expect(conditionToNode(c('stage', 'in', ['won', 'lost']), resolve('stage'))).toEqual({ field: 'stage', op: 'in', value: ['won', 'lost'] });
    expect(conditionToNode(c('stage', 'not_in', ['lost']), resolve('stage'))).toEqual({ not: { field: 'stage', op: 'eq', value: 'lost' } });
    expect(conditionToNode(c('tags', 'includes', 'won'), resolve('tags'))).toEqual({ field: 'tags', op: 'contains', value: 'won' });
  });
  it('sends ids for references chosen as {value,label}', () => {
    const node = conditionToNode(c('account', 'in', [{ value: 'a1', label: '华为' }, { value: 'a2', label: 'ZTE' }]), resolve('account'));
    expect(node).toEqual({ field: 'account', op: 'in', value: ['a1', 'a2'] });
  });
  it('keeps relative dates as literals', () => {
    expect(conditionToNode(c('close_date', 'within', 'this_quarter'), resolve('close_date'))).toEqual({ field: 'close_date', op: 'eq', value: 'this_quarter' });
    expect(conditionToNode(c('close_date', 'within', 'last_n_days:30'), resolve('close_date'))).toEqual({
      field: 'close_date',
      op: 'eq',
      value: 'last_n_days:30',
    });
    expect(conditionToNode(c('next_call', 'within', 'next_n_days:7'), resolve('next_call'))).toEqual({ field: 'next_call', op: 'eq', value: 'next_n_days:7' });
  });
  it('maps date comparisons on date fields', () => {
    expect(conditionToNode(c('close_date', 'on', '2024-05-01'), resolve('close_date'))).toEqual({ field: 'close_date', op: 'eq', value: '2024-05-01' });
    expect(conditionToNode(c('close_date', 'before', '2024-05-01'), resolve('close_date'))).toEqual({ field: 'close_date', op: 'lt', value: '2024-05-01' });
    expect(conditionToNode(c('close_date', 'on_or_after', '2024-05-01'), resolve('close_date'))).toEqual({ field: 'close_date', op: 'gte', value: '2024-05-01' });
    expect(conditionToNode(c('close_date', 'between', ['2024-01-01', '2024-03-31']), resolve('close_date'))).toEqual({
      field: 'close_date',
      op: 'between',
      value: ['2024-01-01', '2024-03-31'],
    });
  });
  it('turns exact days on datetime fields into instants of the tenant time zone', () => {
    const node = conditionToNode(c('next_call', 'on', '2024-05-01'), resolve('next_call'), { timeZone: 'Asia/Shanghai' });
    expect(node).toEqual({
      and: [
        { field: 'next_call', op: 'gte', value: '2024-04-30T16:00:00.000Z' },
        { field: 'next_call', op: 'lt', value: '2024-05-01T16:00:00.000Z' },
      ],
    });
    expect(conditionToNode(c('next_call', 'after', '2024-05-01'), resolve('next_call'), { timeZone: 'UTC' })).toEqual({
      field: 'next_call',
      op: 'gte',
      value: '2024-05-02T00:00:00.000Z',
    });
  });
  it('returns null for incomplete conditions', () => {
    expect(conditionToNode(c('name', 'contains', ''), resolve('name'))).toBeNull();
    expect(conditionToNode(c('amount', 'between', [1, null]), resolve('amount'))).toBeNull();
    expect(conditionToNode(c('close_date', 'within', 'someday'), resolve('close_date'))).toBeNull();
    expect(conditionToNode(c('nope', 'eq', 1), undefined)).toBeNull();
    expect(isComplete(c('stage', 'in', []), resolve('stage'))).toBe(false);
  });
});

describe('buildFilter', () => {
  it('returns null without complete conditions', () => {
    expect(buildFilter({ match: 'and', conditions: [] }, resolve)).toBeNull();
    expect(buildFilter({ match: 'and', conditions: [c('name', 'contains', '')] }, resolve)).toBeNull();
  });
  it('returns the single node alone', () => {
    expect(buildFilter({ match: 'and', conditions: [c('amount', 'gt', 5)] }, resolve)).toEqual({ field: 'amount', op: 'gt', value: 5 });
  });
  it('joins with and / or, skipping incomplete ones', () => {
    const state: FilterState = {
      match: 'and',
      conditions: [c('stage', 'in', ['won', 'lost']), c('amount', 'gte', 100), c('name', 'contains', '')],
    };
    expect(buildFilter(state, resolve)).toEqual({
      and: [
        { field: 'stage', op: 'in', value: ['won', 'lost'] },
        { field: 'amount', op: 'gte', value: 100 },
      ],
    });
    expect(buildFilter({ ...state, match: 'or' }, resolve)).toEqual({
      or: [
        { field: 'stage', op: 'in', value: ['won', 'lost'] },
        { field: 'amount', op: 'gte', value: 100 },
      ],
    });
  });
  it('accepts dotted paths across lookups', () => {
    const industry = { name: 'industry', type: 'picklist' as const, labels: {} };
    const node = buildFilter({ match: 'and', conditions: [c('account.industry', 'in', ['it'])] }, (p) => (p === 'account.industry' ? industry : undefined));
    expect(node).toEqual({ field: 'account.industry', op: 'eq', value: 'it' });
  });
  it('andFilters flattens', () => {
    expect(andFilters(null, { field: 'a', op: 'eq', value: 1 })).toEqual({ field: 'a', op: 'eq', value: 1 });
    expect(andFilters({ and: [{ field: 'a', op: 'eq', value: 1 }] }, { field: 'b', op: 'eq', value: 2 }, undefined)).toEqual({
      and: [
        { field: 'a', op: 'eq', value: 1 },
        { field: 'b', op: 'eq', value: 2 },
      ],
    });
    expect(andFilters()).toBeNull();
  });
});

describe('serialisation', () => {
  it('round-trips the builder state through the URL form', () => {
    const state: FilterState = { match: 'or', conditions: [c('stage', 'in', ['won']), c('close_date', 'within', 'this_month')] };
    const back = parseFilterState(serializeFilterState(state));
    expect(back.match).toBe('or');
    expect(back.conditions.map(({ field, op, value }) => [field, op, value])).toEqual([
      ['stage', 'in', ['won']],
      ['close_date', 'within', 'this_month'],
    ]);
    expect(serializeFilterState({ match: 'and', conditions: [] })).toBe('');
    expect(parseFilterState('not json').conditions).toEqual([]);
  });
  it('converts sort params', () => {
    expect(sortFromParam('-amount,name')).toEqual([
      { field: 'amount', direction: 'desc' },
      { field: 'name', direction: 'asc' },
    ]);
    expect(sortToParam([{ field: 'amount', direction: 'desc' }, { field: 'name', direction: 'asc' }])).toBe('-amount,name');
    expect(sortFromParam(null)).toEqual([]);
  });
});

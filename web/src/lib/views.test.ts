import { describe, expect, it } from 'vitest';
import type { SavedView } from '../api/types';
import { getField } from './fields';
import { buildFilter, type FilterState } from './filter';
import { canEditView, groupViews, sameDefinition, treeToFilterState, viewDefinition } from './views';
import { opportunity } from '../test/fixtures';

const resolve = (p: string) => getField(opportunity, p);
const strip = (s: FilterState | null) => s && { match: s.match, conditions: s.conditions.map(({ field, op, value }) => ({ field, op, value })) };

describe('treeToFilterState', () => {
  it('is the inverse of buildFilter for what the builder makes', () => {
    const states: FilterState[] = [
      { match: 'and', conditions: [{ id: 'a', field: 'stage', op: 'in', value: ['won', 'lost'] }] },
      {
        match: 'or',
        conditions: [
          { id: 'a', field: 'name', op: 'not_contains', value: 'test' },
          { id: 'b', field: 'amount', op: 'between', value: [1, 10] },
          { id: 'c', field: 'close_date', op: 'within', value: 'this_quarter' },
          { id: 'd', field: 'close_date', op: 'before', value: '2026-01-01' },
          { id: 'e', field: 'is_key', op: 'is_true' },
          { id: 'f', field: 'account', op: 'not_in', value: ['a1', 'a2'] },
          { id: 'g', field: 'probability', op: 'gte', value: 50 },
          { id: 'h', field: 'tags', op: 'includes', value: 'won' },
          { id: 'i', field: 'close_date', op: 'is_empty' },
        ],
      },
    ];
    for (const state of states) {
      const tree = buildFilter(state, resolve);
      const back = treeToFilterState(tree, resolve);
      expect(buildFilter(back!, resolve)).toEqual(tree);
    }
    // A single picklist value comes back as "is any of [v]".
    expect(strip(treeToFilterState({ field: 'stage', op: 'eq', value: 'won' }, resolve))).toEqual({
      match: 'and',
      conditions: [{ field: 'stage', op: 'in', value: ['won'] }],
    });
  });

  it('returns an empty state for no filter and null for trees the builder cannot show', () => {
    expect(treeToFilterState(null, resolve)).toEqual({ match: 'and', conditions: [] });
    expect(treeToFilterState({ and: [{ or: [{ field: 'name', op: 'eq', value: 'x' }] }] }, resolve)).toBeNull();
    expect(treeToFilterState({ field: 'nope', op: 'eq', value: 1 }, resolve)).toBeNull();
  });
});

const view = (over: Partial<SavedView>): SavedView => ({
  id: 'v',
  object: 'opportunity',
  name: 'V',
  owner_id: 'u1',
  shared: false,
  filter: null,
  sort: null,
  columns: null,
  q: null,
  ...over,
});

describe('views', () => {
  it('fills defaults and compares definitions', () => {
    const d = viewDefinition(view({ sort: [{ field: 'amount', direction: 'desc' }] }), ['name', 'stage']);
    expect(d).toEqual({ filter: null, sort: [{ field: 'amount', direction: 'desc' }], columns: ['name', 'stage'], q: '' });
    expect(sameDefinition(d, { ...d, q: '  ' })).toBe(true);
    expect(sameDefinition(d, { ...d, columns: ['name'] })).toBe(false);
  });

  it('groups shared and personal views and knows who may change them', () => {
    const views = [view({ id: '1', name: 'b', shared: true, owner_id: 'admin' }), view({ id: '2', name: 'a' }), view({ id: '3', name: 'z', owner_id: 'other' })];
    const g = groupViews(views, 'u1');
    expect(g.shared.map((v) => v.id)).toEqual(['1']);
    expect(g.mine.map((v) => v.id)).toEqual(['2']);
    expect(canEditView(views[0], 'u1', false)).toBe(false);
    expect(canEditView(views[0], 'u1', true)).toBe(true);
    expect(canEditView(views[1], 'u1', false)).toBe(true);
  });
});

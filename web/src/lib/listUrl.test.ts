import { describe, expect, it } from 'vitest';
import type { SavedView } from '../api/types';
import { opportunity } from '../test/fixtures';
import { getField } from './fields';
import { parseFilterState } from './filter';
import { isBareView, modeHref, viewParams, withParam } from './listUrl';

const resolve = (p: string) => getField(opportunity, p);
const view = (extra: Partial<SavedView> = {}): SavedView =>
  ({ id: 'v1', object: 'opportunity', name: 'Won', owner_id: 'u1', shared: false, filter: null, sort: [], columns: [], q: null, ...extra }) as SavedView;

describe('list URL', () => {
  it('a URL naming only a view is a bookmark of the view as saved', () => {
    expect(isBareView(new URLSearchParams('view=v1'))).toBe(true);
    expect(isBareView(new URLSearchParams('view=v1&f='))).toBe(false);
    expect(isBareView(new URLSearchParams('view=v1&sort=-amount'))).toBe(false);
    expect(isBareView(new URLSearchParams('q=x'))).toBe(false);
  });
  it("puts a view's filter, sort and search in the URL, keeping what the builder cannot show apart", () => {
    const { params, fixedFilter } = viewParams(view({ filter: { field: 'stage', op: 'eq', value: 'won' }, sort: [{ field: 'amount', direction: 'desc' }], q: 'ERP' }), resolve);
    expect(params.get('view')).toBe('v1');
    expect(parseFilterState(params.get('f')).conditions.map((c) => [c.field, c.op, c.value])).toEqual([['stage', 'in', ['won']]]);
    expect(params.get('sort')).toBe('-amount');
    expect(params.get('q')).toBe('ERP');
    expect(fixedFilter).toBeNull();
    const odd = { or: [{ and: [{ field: 'stage', op: 'eq', value: 'won' }] }] };
    const api = viewParams(view({ filter: odd as SavedView['filter'] }), resolve);
    expect(api.fixedFilter).toEqual(odd);
    expect(api.params.has('f')).toBe(false);
  });
  it('keeps an emptied value while a view is open, so a reload shows the change, not the saved view', () => {
    expect(withParam(new URLSearchParams('view=v1&f=x'), 'f', '').toString()).toBe('view=v1&f=');
    expect(withParam(new URLSearchParams('f=x&q=a'), 'f', '').toString()).toBe('q=a');
    expect(withParam(new URLSearchParams('q=a'), 'sort', '-amount').toString()).toBe('q=a&sort=-amount');
  });
  it('switches mode keeping the search and the filter only', () => {
    const params = new URLSearchParams('view=v1&f=abc&q=ERP&sort=-amount&by=stage');
    expect(modeHref('opportunity', 'kanban', params)).toBe('/o/opportunity/kanban?f=abc&q=ERP');
    expect(modeHref('opportunity', 'list', new URLSearchParams('by=stage'))).toBe('/o/opportunity');
  });
});

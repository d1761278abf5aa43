/**
 * The URL of a list or kanban page, in one place: which saved view is open (`view`), the
 * builder's filter (`f`), the sort (`sort`), the quick search (`q`), the kanban's grouping
 * (`by`), and the mode (the `/kanban` path). Pure functions, so the rules are tested once and
 * both pages read and write the URL the same way.
 *
 * A URL naming a view and nothing else (`?view=<id>`: a bookmark, a shared link) means "the view
 * as saved": the page applies its filter, sort and search. Once applied, they are in the URL,
 * and a change the user makes keeps an explicit (possibly empty) value there, so reloading a
 * modified view shows the modification rather than the saved view again.
 */
import type { FieldMeta, FilterNode, SavedView, SortSpec } from '../api/types';
import { serializeFilterState, sortToParam } from './filter';
import { treeToFilterState } from './views';

export type ListMode = 'list' | 'kanban';

/** The URL keys that hold the list's own state (as opposed to which view is open). */
export const STATE_KEYS = ['f', 'sort', 'q'] as const;
export type StateKey = (typeof STATE_KEYS)[number];

/** Does the URL name a saved view whose definition it does not carry yet? */
export function isBareView(params: URLSearchParams): boolean {
  return !!params.get('view') && STATE_KEYS.every((k) => !params.has(k));
}

/**
 * The URL of a saved view as saved, and the part of its filter the builder cannot show (a tree
 * written through the API, applied as is beside the builder's filter).
 */
export function viewParams(view: SavedView, resolve: (path: string) => FieldMeta | undefined): { params: URLSearchParams; fixedFilter: FilterNode | null } {
  const params = new URLSearchParams();
  params.set('view', view.id);
  const state = treeToFilterState(view.filter, resolve);
  if (state && state.conditions.length) params.set('f', serializeFilterState(state));
  if (view.sort?.length) params.set('sort', sortToParam(view.sort));
  if (view.q) params.set('q', view.q);
  return { params, fixedFilter: state ? null : (view.filter ?? null) };
}

/** The filter part of a view the builder cannot show (null when it can show all of it). */
export function fixedFilterOf(view: SavedView, resolve: (path: string) => FieldMeta | undefined): FilterNode | null {
  return treeToFilterState(view.filter, resolve) ? null : (view.filter ?? null);
}

/**
 * `params` with one state key changed. With a view open, an emptied value stays as an empty
 * key (see the module comment); without one, it is dropped.
 */
export function withParam(params: URLSearchParams, key: StateKey | 'by', value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else if (next.get('view') && key !== 'by') next.set(key, '');
  else next.delete(key);
  return next;
}

/** The same list in the other mode: search and filter go along; view, sort and grouping do not. */
export function modeHref(object: string, mode: ListMode, params: URLSearchParams): string {
  const keep = new URLSearchParams();
  for (const k of ['f', 'q'] as const) {
    const v = params.get(k);
    if (v) keep.set(k, v);
  }
  const search = keep.toString();
  return `/o/${object}${mode === 'kanban' ? '/kanban' : ''}${search ? `?${search}` : ''}`;
}

/** Sort param ↔ specs (kept here so both pages import the URL rules from one module). */
export { sortFromParam, sortToParam } from './filter';
export type { SortSpec };

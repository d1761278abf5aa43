/**
 * Saved list views ↔ the list page's state.
 *
 * The server stores a view as the API's filter tree (so integrations and exports read it
 * directly); the page edits filters with the builder's flat model. `treeToFilterState` is the
 * inverse of `buildFilter` for every tree the builder produces; a tree it cannot represent
 * (written by an integration) is kept as a fixed extra filter instead of being lost.
 */
import type { FieldMeta, FilterCondition, FilterNode, SavedView, SortSpec } from '../api/types';
import { NUMBER_TYPES, valueType } from './fields';
import { isRelativeDate, newConditionId, type Condition, type FilterState, type UiOp } from './filter';

export interface ListDefinition {
  filter: FilterNode | null;
  sort: SortSpec[];
  columns: string[];
  q: string;
}

function isLeaf(n: FilterNode): n is FilterCondition {
  return typeof (n as FilterCondition).field === 'string' && typeof (n as FilterCondition).op === 'string';
}

/** One API node → one builder condition, or null when the builder has no such condition. */
export function nodeToCondition(node: FilterNode, resolve: (path: string) => FieldMeta | undefined): Condition | null {
  let negated = false;
  let n = node;
  if ('not' in n) {
    negated = true;
    n = n.not;
  }
  if (!isLeaf(n)) return null;
  const field = resolve(n.field);
  if (!field) return null;
  const t = valueType(field);
  const make = (op: UiOp, value?: unknown): Condition => ({ id: newConditionId(), field: n.field, op, value });
  const isChoice = t === 'picklist' || t === 'lookup' || t === 'master_detail' || t === 'owner';
  const isDate = t === 'date' || t === 'datetime';
  if (negated) {
    if (n.op === 'contains') return make('not_contains', n.value);
    if (isChoice && (n.op === 'eq' || n.op === 'in')) return make('not_in', Array.isArray(n.value) ? n.value : [n.value]);
    return null;
  }
  switch (n.op) {
    case 'is_null':
      return make(n.value === false ? 'is_not_empty' : 'is_empty');
    case 'eq':
      if (t === 'boolean') return make(n.value ? 'is_true' : 'is_false');
      if (isChoice) return make('in', [n.value]);
      if (isDate) return make(isRelativeDate(n.value) ? 'within' : 'on', n.value);
      return make('eq', n.value);
    case 'in':
      return isChoice ? make('in', n.value) : null;
    case 'contains':
      return make(t === 'multi_picklist' ? 'includes' : 'contains', n.value);
    case 'between':
      return make('between', n.value);
    case 'lt':
      return make(isDate ? 'before' : 'lt', n.value);
    case 'gt':
      return make(isDate ? 'after' : 'gt', n.value);
    case 'lte':
      return make(isDate ? 'on_or_before' : 'lte', n.value);
    case 'gte':
      return make(isDate ? 'on_or_after' : 'gte', n.value);
    case 'ne':
    case 'starts_with':
      return NUMBER_TYPES.has(t) || n.op === 'starts_with' || t === 'text' || t === 'email' || t === 'phone' || t === 'url'
        ? make(n.op, n.value)
        : null;
    default:
      return null;
  }
}

/** API filter tree → builder state; null if any part has no builder equivalent. */
export function treeToFilterState(tree: FilterNode | null | undefined, resolve: (path: string) => FieldMeta | undefined): FilterState | null {
  if (!tree) return { match: 'and', conditions: [] };
  let match: 'and' | 'or' = 'and';
  let nodes: FilterNode[] = [tree];
  if ('and' in tree) nodes = tree.and;
  else if ('or' in tree) {
    match = 'or';
    nodes = tree.or;
  }
  const conditions: Condition[] = [];
  for (const node of nodes) {
    const c = nodeToCondition(node, resolve);
    if (!c) return null;
    conditions.push(c);
  }
  return { match, conditions };
}

/** Stable comparison of two definitions (is the open view modified?). */
export function sameDefinition(a: ListDefinition, b: ListDefinition): boolean {
  const norm = (d: ListDefinition) => JSON.stringify([d.filter ?? null, d.sort ?? [], d.columns ?? [], (d.q ?? '').trim()]);
  return norm(a) === norm(b);
}

/** The definition a saved view stands for, with the page's defaults filled in. */
export function viewDefinition(view: SavedView, defaultColumns: string[]): ListDefinition {
  return {
    filter: view.filter ?? null,
    sort: view.sort ?? [],
    columns: view.columns && view.columns.length ? view.columns : defaultColumns,
    q: view.q ?? '',
  };
}

/** Shared views (everyone sees them) and the user's own, each sorted by name. */
export function groupViews(views: SavedView[], me: string | undefined): { shared: SavedView[]; mine: SavedView[] } {
  const byName = (a: SavedView, b: SavedView) => a.name.localeCompare(b.name);
  return {
    shared: views.filter((v) => v.shared).sort(byName),
    mine: views.filter((v) => !v.shared && v.owner_id === me).sort(byName),
  };
}

/** May this user rename/overwrite/delete the view? Their own, or any shared one if admin. */
export function canEditView(view: SavedView, me: string | undefined, isAdmin: boolean): boolean {
  return view.owner_id === me || (view.shared && isAdmin);
}

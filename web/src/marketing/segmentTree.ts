/**
 * The segment builder's model: a tree of groups (and/or) holding conditions on the audience's
 * fields (lookup paths included, `account.industry`), counts of related records ("at least 3
 * activities in the last 90 days") and nested groups — and its translation to and from the
 * API's filter tree (docs/api.md, "Filters" and "Counts of related records").
 *
 * Conditions reuse the list filter's operators and value inputs (lib/filter.ts). A saved tree
 * the builder cannot show as rows (written by another client) is kept as it is, as a `raw`
 * item, so opening and saving a segment never loses a condition.
 */
import type { FieldMeta, FilterCondition } from '../api/types';
import { valueType } from '../lib/fields';
import { buildFilter, conditionToNode, EMPTY_FILTER, isRelativeDate, newConditionId, type BuildOptions, type Condition, type FilterState, type UiOp } from '../lib/filter';

export type CountOp = 'gte' | 'gt' | 'lte' | 'lt' | 'eq' | 'ne';
export const COUNT_OPS: CountOp[] = ['gte', 'lte', 'eq', 'ne', 'gt', 'lt'];

export interface RelatedNode {
  related: { object: string; field: string; on?: string; filter?: TreeNode };
  op: CountOp;
  value: number;
}
/** The API's filter tree with related-record counts. */
export type TreeNode = { and: TreeNode[] } | { or: TreeNode[] } | { not: TreeNode } | FilterCondition | RelatedNode;

export interface ConditionItem {
  kind: 'condition';
  id: string;
  cond: Condition;
}
export interface RelatedItem {
  kind: 'related';
  id: string;
  /** The related object and its lookup to the audience object (activity · contact). */
  object: string;
  field: string;
  op: CountOp;
  value: number;
  /** Conditions on the related records (a flat list, as the list filter). */
  filter: FilterState;
}
export interface GroupItem {
  kind: 'group';
  id: string;
  group: Group;
}
export interface RawItem {
  kind: 'raw';
  id: string;
  node: TreeNode;
}
export type Item = ConditionItem | RelatedItem | GroupItem | RawItem;
export interface Group {
  match: 'and' | 'or';
  items: Item[];
}

export const EMPTY_GROUP: Group = { match: 'and', items: [] };
/** Field of the audience object (a path) or of a related object → its metadata. */
export type Resolve = (path: string) => FieldMeta | undefined;

export function newGroupItem(): GroupItem {
  return { kind: 'group', id: newConditionId(), group: { match: 'or', items: [] } };
}

export function newRelatedItem(object: string, field: string): RelatedItem {
  return { kind: 'related', id: newConditionId(), object, field, op: 'gte', value: 1, filter: EMPTY_FILTER };
}

function join(match: 'and' | 'or', nodes: TreeNode[]): TreeNode | null {
  if (nodes.length === 0) return null;
  if (nodes.length === 1) return nodes[0];
  return match === 'or' ? { or: nodes } : { and: nodes };
}

/** One item → its node (null while incomplete). `relatedResolve(object)` resolves the
 * related object's fields for a count's conditions. */
function itemToTree(item: Item, resolve: Resolve, relatedResolve: (object: string) => Resolve, opts: BuildOptions): TreeNode | null {
  switch (item.kind) {
    case 'condition':
      return conditionToNode(item.cond, resolve(item.cond.field), opts);
    case 'group':
      return groupToTree(item.group, resolve, relatedResolve, opts);
    case 'raw':
      return item.node;
    case 'related': {
      if (!Number.isInteger(item.value) || item.value < 0) return null;
      const inner = buildFilter(item.filter, relatedResolve(item.object), opts);
      const related: RelatedNode['related'] = { object: item.object, field: item.field };
      if (inner) related.filter = inner;
      return { related, op: item.op, value: item.value };
    }
  }
}

/** The builder → the segment's filter tree, or null when it has no complete condition. */
export function groupToTree(group: Group, resolve: Resolve, relatedResolve: (object: string) => Resolve, opts: BuildOptions = {}): TreeNode | null {
  const nodes = group.items.map((i) => itemToTree(i, resolve, relatedResolve, opts)).filter((n): n is TreeNode => n !== null);
  return join(group.match, nodes);
}

// ------------------------------------------------------------------ reading a saved tree
function isLeaf(node: unknown): node is FilterCondition {
  return !!node && typeof node === 'object' && typeof (node as FilterCondition).field === 'string';
}
function isRelated(node: unknown): node is RelatedNode {
  return !!node && typeof node === 'object' && 'related' in node;
}

const ORDERED: Record<string, UiOp> = { eq: 'eq', ne: 'ne', lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte', between: 'between' };
const DATES: Record<string, UiOp> = { eq: 'on', lt: 'before', gt: 'after', lte: 'on_or_before', gte: 'on_or_after', between: 'between' };

/** A leaf of the API's tree → the list filter's condition, when the builder has an operator
 * that writes exactly this leaf back; otherwise null. */
export function leafToCondition(node: FilterCondition, field: FieldMeta | undefined): Condition | null {
  if (!field) return null;
  const id = newConditionId();
  const t = valueType(field);
  const { op, value } = node;
  const make = (uiOp: UiOp, v?: unknown): Condition => ({ id, field: node.field, op: uiOp, value: v });
  if (op === 'is_null') return make(value === false ? 'is_not_empty' : 'is_empty');
  if (t === 'boolean' && op === 'eq' && typeof value === 'boolean') return make(value ? 'is_true' : 'is_false');
  if (t === 'picklist' && (op === 'eq' || op === 'in')) return make('in', Array.isArray(value) ? value : [value]);
  if (t === 'lookup' || t === 'master_detail' || t === 'owner') {
    if (op !== 'eq' && op !== 'in') return null;
    const ids = (Array.isArray(value) ? value : [value]).map((v) => ({ value: String(v), label: String(v) }));
    return make('in', ids);
  }
  if (t === 'multi_picklist') return op === 'contains' ? make('includes', value) : null;
  if (t === 'date' || t === 'datetime') {
    if (op === 'eq' && isRelativeDate(value)) return make('within', value);
    if (t === 'datetime') return null; // exact days on datetimes are ranges of instants
    return DATES[op] ? make(DATES[op], value) : null;
  }
  if (op === 'contains' || op === 'starts_with') return make(op, value);
  return ORDERED[op] ? make(ORDERED[op], value) : null;
}

function nodeToCondition(node: TreeNode, resolve: Resolve): Condition | null {
  if (isLeaf(node)) return leafToCondition(node, resolve(node.field));
  if ('not' in node && isLeaf(node.not)) {
    const inner = leafToCondition(node.not, resolve(node.not.field));
    if (inner?.op === 'contains') return { ...inner, op: 'not_contains' };
    if (inner?.op === 'in') return { ...inner, op: 'not_in' };
  }
  return null;
}

/** A flat and/or list of conditions (a count's own filter), or null when the tree is more. */
function flatState(node: TreeNode | undefined, resolve: Resolve): FilterState | null {
  if (!node) return EMPTY_FILTER;
  const match: 'and' | 'or' = 'or' in node ? 'or' : 'and';
  const children = 'and' in node ? node.and : 'or' in node ? node.or : [node];
  const conditions = children.map((c) => nodeToCondition(c, resolve));
  if (conditions.some((c) => c === null)) return null;
  return { match, conditions: conditions as Condition[] };
}

function nodeToItem(node: TreeNode, resolve: Resolve, relatedResolve: (object: string) => Resolve): Item {
  const id = newConditionId();
  if ('and' in node || 'or' in node) return { kind: 'group', id, group: treeToGroup(node, resolve, relatedResolve) };
  if (isRelated(node)) {
    const { object, field, on, filter } = node.related;
    const state = on ? null : flatState(filter, relatedResolve(object));
    if (state && COUNT_OPS.includes(node.op)) return { kind: 'related', id, object, field, op: node.op, value: node.value, filter: state };
    return { kind: 'raw', id, node };
  }
  const cond = nodeToCondition(node, resolve);
  return cond ? { kind: 'condition', id, cond } : { kind: 'raw', id, node };
}

/** A saved filter tree → the builder (what it cannot show as rows is kept as `raw`). */
export function treeToGroup(node: TreeNode | null | undefined, resolve: Resolve, relatedResolve: (object: string) => Resolve): Group {
  if (!node || (typeof node === 'object' && Object.keys(node).length === 0)) return EMPTY_GROUP;
  if ('and' in node) return { match: 'and', items: node.and.map((n) => nodeToItem(n, resolve, relatedResolve)) };
  if ('or' in node) return { match: 'or', items: node.or.map((n) => nodeToItem(n, resolve, relatedResolve)) };
  return { match: 'and', items: [nodeToItem(node, resolve, relatedResolve)] };
}

// ------------------------------------------------------------------ editing
/** The group with `fn` applied to the item `id`, wherever it is nested (null removes it). */
export function updateItem(group: Group, id: string, fn: (item: Item) => Item | null): Group {
  const items: Item[] = [];
  for (const item of group.items) {
    if (item.id === id) {
      const next = fn(item);
      if (next) items.push(next);
    } else if (item.kind === 'group') {
      items.push({ ...item, group: updateItem(item.group, id, fn) });
    } else {
      items.push(item);
    }
  }
  return { ...group, items };
}

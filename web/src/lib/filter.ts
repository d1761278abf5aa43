/**
 * The filter builder's model (a flat list of conditions joined by and/or) and its
 * translation to the API's filter tree (docs/api.md, "Filters").
 */
import type { FieldMeta, FieldType, FilterNode } from '../api/types';
import { NUMBER_TYPES, valueType } from './fields';
import { addDays, zonedMidnightIso } from './tz';

/** Operators as the user sees them; several map onto one API operator (or a `not`). */
export type UiOp =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'between'
  | 'in'
  | 'not_in'
  | 'contains'
  | 'not_contains'
  | 'starts_with'
  | 'includes'
  | 'is_empty'
  | 'is_not_empty'
  | 'is_true'
  | 'is_false'
  | 'on'
  | 'before'
  | 'after'
  | 'on_or_before'
  | 'on_or_after'
  | 'within';

export interface Condition {
  id: string;
  /** Field path, e.g. "stage" or "account.industry". */
  field: string;
  op: UiOp;
  value?: unknown;
}

export interface FilterState {
  match: 'and' | 'or';
  conditions: Condition[];
}

export const EMPTY_FILTER: FilterState = { match: 'and', conditions: [] };

export type ValueKind =
  | 'none'
  | 'text'
  | 'number'
  | 'number_range'
  | 'date'
  | 'date_range'
  | 'relative'
  | 'option'
  | 'options'
  | 'reference'
  | 'references';

export const RELATIVE_PERIODS = [
  'today',
  'yesterday',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'this_year',
  'last_year',
  // The tenant's fiscal periods (its fiscal year's start month; FY2026 is the one starting in 2026).
  'this_fiscal_quarter',
  'last_fiscal_quarter',
  'next_fiscal_quarter',
  'this_fiscal_year',
  'last_fiscal_year',
  'next_fiscal_year',
] as const;
export const RELATIVE_N = ['last_n_days', 'next_n_days'] as const;

const RELATIVE_RE = /^(today|yesterday|tomorrow|(this|last|next)_(week|month|quarter|year)|(this|last|next)_fiscal_(quarter|year)|(last|next)_n_(days|weeks|months):\d{1,4})$/;
export function isRelativeDate(v: unknown): v is string {
  return typeof v === 'string' && RELATIVE_RE.test(v);
}

const DATE_OPS: UiOp[] = ['within', 'on', 'before', 'after', 'on_or_before', 'on_or_after', 'between', 'is_empty', 'is_not_empty'];

/** Operators offered for a field, by its (effective) type. */
export function operatorsFor(field: FieldMeta): UiOp[] {
  const t: FieldType = valueType(field);
  if (t === 'text' || t === 'email' || t === 'phone' || t === 'url' || t === 'auto_number')
    return ['contains', 'not_contains', 'eq', 'ne', 'starts_with', 'is_empty', 'is_not_empty'];
  if (t === 'long_text') return ['contains', 'not_contains', 'starts_with', 'is_empty', 'is_not_empty'];
  if (NUMBER_TYPES.has(t)) return ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'between', 'is_empty', 'is_not_empty'];
  if (t === 'date' || t === 'datetime') return DATE_OPS;
  if (t === 'boolean') return ['is_true', 'is_false'];
  if (t === 'picklist') return ['in', 'not_in', 'is_empty', 'is_not_empty'];
  if (t === 'multi_picklist') return ['includes', 'is_empty', 'is_not_empty'];
  if (t === 'lookup' || t === 'master_detail' || t === 'owner') return ['in', 'not_in', 'is_empty', 'is_not_empty'];
  return ['eq', 'ne', 'is_empty', 'is_not_empty'];
}

export function defaultOperator(field: FieldMeta): UiOp {
  return operatorsFor(field)[0];
}

/** What kind of value input an operator on a field needs. */
export function valueKind(field: FieldMeta, op: UiOp): ValueKind {
  if (op === 'is_empty' || op === 'is_not_empty' || op === 'is_true' || op === 'is_false') return 'none';
  const t = valueType(field);
  if (t === 'date' || t === 'datetime') {
    if (op === 'within') return 'relative';
    if (op === 'between') return 'date_range';
    return 'date';
  }
  if (NUMBER_TYPES.has(t)) return op === 'between' ? 'number_range' : 'number';
  if (t === 'picklist') return op === 'in' || op === 'not_in' ? 'options' : 'option';
  if (t === 'multi_picklist') return 'option';
  if (t === 'lookup' || t === 'master_detail' || t === 'owner') return op === 'in' || op === 'not_in' ? 'references' : 'reference';
  return 'text';
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

/** Is the condition complete enough to send? */
export function isComplete(cond: Condition, field: FieldMeta | undefined): boolean {
  if (!field) return false;
  const kind = valueKind(field, cond.op);
  if (kind === 'none') return true;
  if (kind === 'number_range' || kind === 'date_range') {
    return Array.isArray(cond.value) && cond.value.length === 2 && !isBlank(cond.value[0]) && !isBlank(cond.value[1]);
  }
  if (kind === 'relative') return isRelativeDate(cond.value);
  return !isBlank(cond.value);
}

export interface BuildOptions {
  /** Tenant time zone: exact dates on datetime fields become [local midnight, next midnight). */
  timeZone?: string;
}

function leaf(field: string, op: string, value?: unknown): FilterNode {
  const node: { field: string; op: string; value?: unknown } = { field, op };
  if (value !== undefined) node.value = value;
  return node as FilterNode;
}

/** One UI condition → API filter node (null when incomplete). */
/** Reference values are kept as {value, label} in the builder (for chips); the API takes ids. */
function plainValue(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainValue);
  if (v && typeof v === 'object' && 'value' in (v as Record<string, unknown>)) return (v as { value: unknown }).value;
  return v;
}

export function conditionToNode(cond: Condition, field: FieldMeta | undefined, opts: BuildOptions = {}): FilterNode | null {
  if (!field || !isComplete(cond, field)) return null;
  const path = cond.field;
  const v = plainValue(cond.value);
  const t = valueType(field);
  const isDateTime = t === 'datetime';
  const tz = opts.timeZone || 'UTC';
  /** For datetime columns an exact day is a range of instants in the tenant zone. */
  const dayStart = (d: unknown) => (isDateTime && !isRelativeDate(d) ? zonedMidnightIso(String(d), tz) : d);
  const dayEnd = (d: unknown) => (isDateTime && !isRelativeDate(d) ? zonedMidnightIso(addDays(String(d), 1), tz) : d);

  switch (cond.op) {
    case 'is_empty':
      return leaf(path, 'is_null', true);
    case 'is_not_empty':
      return leaf(path, 'is_null', false);
    case 'is_true':
      return leaf(path, 'eq', true);
    case 'is_false':
      return leaf(path, 'eq', false);
    case 'not_contains':
      return { not: leaf(path, 'contains', v) };
    case 'includes':
      return leaf(path, 'contains', v);
    case 'in':
    case 'not_in': {
      const list = Array.isArray(v) ? v : [v];
      const node = list.length === 1 ? leaf(path, 'eq', list[0]) : leaf(path, 'in', list);
      return cond.op === 'in' ? node : { not: node };
    }
    case 'within':
      return leaf(path, 'eq', v);
    case 'on':
      if (isDateTime && !isRelativeDate(v)) return { and: [leaf(path, 'gte', dayStart(v)), leaf(path, 'lt', dayEnd(v))] };
      return leaf(path, 'eq', v);
    case 'before':
      return leaf(path, 'lt', dayStart(v));
    case 'after':
      return isDateTime && !isRelativeDate(v) ? leaf(path, 'gte', dayEnd(v)) : leaf(path, 'gt', v);
    case 'on_or_before':
      return isDateTime && !isRelativeDate(v) ? leaf(path, 'lt', dayEnd(v)) : leaf(path, 'lte', v);
    case 'on_or_after':
      return leaf(path, 'gte', dayStart(v));
    case 'between': {
      const [a, b] = v as [unknown, unknown];
      if (t === 'date' || isDateTime) {
        if (isDateTime) return { and: [leaf(path, 'gte', dayStart(a)), leaf(path, 'lt', dayEnd(b))] };
        return leaf(path, 'between', [a, b]);
      }
      return leaf(path, 'between', [a, b]);
    }
    default:
      return leaf(path, cond.op, v);
  }
}

/** The whole builder → one filter tree, or null when no complete condition. */
export function buildFilter(
  state: FilterState,
  resolve: (path: string) => FieldMeta | undefined,
  opts: BuildOptions = {},
): FilterNode | null {
  const nodes = state.conditions
    .map((c) => conditionToNode(c, resolve(c.field), opts))
    .filter((n): n is FilterNode => n !== null);
  if (nodes.length === 0) return null;
  if (nodes.length === 1) return nodes[0];
  return state.match === 'or' ? { or: nodes } : { and: nodes };
}

/** AND together optional nodes, flattening nested ANDs. */
export function andFilters(...nodes: (FilterNode | null | undefined)[]): FilterNode | null {
  const parts: FilterNode[] = [];
  for (const n of nodes) {
    if (!n) continue;
    if ('and' in n) parts.push(...n.and);
    else parts.push(n);
  }
  if (parts.length === 0) return null;
  if (parts.length === 1) return parts[0];
  return { and: parts };
}

let seq = 0;
export function newConditionId(): string {
  seq += 1;
  return `c${Date.now().toString(36)}${seq}`;
}

export function newCondition(field: FieldMeta): Condition {
  return { id: newConditionId(), field: field.name, op: defaultOperator(field), value: undefined };
}

/** Compact, URL-safe serialisation of the builder (ids dropped). */
export function serializeFilterState(state: FilterState): string {
  if (state.conditions.length === 0) return '';
  return JSON.stringify({ m: state.match, c: state.conditions.map((c) => [c.field, c.op, c.value ?? null]) });
}

export function parseFilterState(raw: string | null | undefined): FilterState {
  if (!raw) return EMPTY_FILTER;
  try {
    const data = JSON.parse(raw) as { m?: string; c?: [string, UiOp, unknown][] };
    const conditions = (data.c ?? [])
      .filter((c) => Array.isArray(c) && typeof c[0] === 'string' && typeof c[1] === 'string')
      .map(([field, op, value]) => ({ id: newConditionId(), field, op, value: value ?? undefined }));
    return { match: data.m === 'or' ? 'or' : 'and', conditions };
  } catch {
    return EMPTY_FILTER;
  }
}

/** Sort param in the GET form: "-amount,name". */
export function sortToParam(sort: { field: string; direction: 'asc' | 'desc' }[]): string {
  return sort.map((s) => (s.direction === 'desc' ? `-${s.field}` : s.field)).join(',');
}
export function sortFromParam(raw: string | null | undefined): { field: string; direction: 'asc' | 'desc' }[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (s.startsWith('-') ? { field: s.slice(1), direction: 'desc' as const } : { field: s, direction: 'asc' as const }));
}

/**
 * Sharing rules in the Setup form: criteria as the filter builder's state (or the raw tree when
 * the builder cannot show it), the principal as a picked record, and the ids a rule list names
 * so their titles can be fetched in one request per object. Pure functions, tested without a form.
 */
import type { FieldMeta, FilterNode } from '../../api/types';
import type { LookupValue } from '../../fields/LookupSelect';
import { isReference } from '../../lib/fields';
import { buildFilter, isComplete, type BuildOptions, type FilterState } from '../../lib/filter';
import { treeToFilterState } from '../../lib/views';
import type { PrincipalType, SharingRuleDef } from './rules';

type Resolve = (path: string) => FieldMeta | undefined;

/**
 * A rule's criteria in the form: the filter builder's state when the builder can show the
 * tree, else the tree itself (written through the API), kept unchanged unless replaced.
 */
export type CriteriaValue = { kind: 'builder'; state: FilterState } | { kind: 'raw'; tree: FilterNode };

export function criteriaValue(tree: FilterNode | null | undefined, resolve: Resolve): CriteriaValue {
  const state = treeToFilterState(tree, resolve);
  return state || !tree ? { kind: 'builder', state: state ?? { match: 'and', conditions: [] } } : { kind: 'raw', tree };
}

/** The criteria to save; null shares every record of the object. */
export function criteriaTree(value: CriteriaValue, resolve: Resolve, opts: BuildOptions = {}): FilterNode | null {
  return value.kind === 'raw' ? value.tree : buildFilter(value.state, resolve, opts);
}

/** Conditions still missing a field or a value: saved as they are, they would be dropped and widen the rule. */
export function incompleteConditions(value: CriteriaValue, resolve: Resolve): number {
  if (value.kind === 'raw') return 0;
  return value.state.conditions.filter((c) => !isComplete(c, resolve(c.field))).length;
}

export interface SharingRuleForm {
  name: string;
  criteria: CriteriaValue;
  access: 'read' | 'edit';
  principal_type: PrincipalType;
  principal: LookupValue | null;
  active: boolean;
}

export function sharingRuleToForm(rule: SharingRuleDef | null, resolve: Resolve, titles: Record<string, string> = {}): SharingRuleForm {
  if (!rule) {
    return { name: '', criteria: { kind: 'builder', state: { match: 'and', conditions: [] } }, access: 'read', principal_type: 'department', principal: null, active: true };
  }
  const criteria = criteriaValue(rule.criteria, resolve);
  return {
    name: rule.name,
    criteria: criteria.kind === 'builder' ? { kind: 'builder', state: withTitles(criteria.state, resolve, titles) } : criteria,
    access: rule.access,
    principal_type: rule.principal_type,
    principal: { value: rule.principal_id, label: titles[rule.principal_id] ?? rule.principal_id },
    active: rule.active !== false,
  };
}

export function sharingRuleFromForm(v: SharingRuleForm, resolve: Resolve, opts: BuildOptions = {}): SharingRuleDef {
  return {
    name: v.name.trim(),
    criteria: criteriaTree(v.criteria, resolve, opts),
    access: v.access,
    principal_type: v.principal_type,
    principal_id: v.principal?.value ?? '',
    active: v.active !== false,
  };
}

function ids(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.filter((x): x is string => typeof x === 'string' && x !== '');
}

/**
 * Record ids the rule list names, by object: each principal, and the values of lookup
 * conditions in the criteria (the builder shows their titles, the API stores ids).
 */
export function referencedIds(rules: readonly SharingRuleDef[], resolve: Resolve): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (object: string, id: string) => out.set(object, (out.get(object) ?? new Set()).add(id));
  for (const rule of rules) {
    if (rule.principal_id) add(rule.principal_type, rule.principal_id);
    const state = treeToFilterState(rule.criteria, resolve);
    for (const c of state?.conditions ?? []) {
      const field = resolve(c.field);
      if (field && isReference(field) && field.target) for (const id of ids(c.value)) add(field.target, id);
    }
  }
  return out;
}

/** Reference values of the builder's conditions as {value, label}, titled where known. */
export function withTitles(state: FilterState, resolve: Resolve, titles: Record<string, string>): FilterState {
  const titled = (v: unknown): unknown => (typeof v === 'string' ? { value: v, label: titles[v] ?? v } : v);
  return {
    ...state,
    conditions: state.conditions.map((c) => {
      const field = resolve(c.field);
      if (!field || !isReference(field) || c.value === undefined) return c;
      return { ...c, value: Array.isArray(c.value) ? c.value.map(titled) : titled(c.value) };
    }),
  };
}

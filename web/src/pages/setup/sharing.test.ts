import { describe, expect, it } from 'vitest';
import type { FilterNode } from '../../api/types';
import { getField } from '../../lib/fields';
import { account } from '../../test/fixtures';
import type { SharingRuleDef } from './rules';
import {
  criteriaTree,
  criteriaValue,
  incompleteConditions,
  referencedIds,
  sharingRuleFromForm,
  sharingRuleToForm,
  withTitles,
  type SharingRuleForm,
} from './sharing';

const object = {
  ...account,
  fields: [...account.fields, { name: 'parent', type: 'lookup' as const, target: 'account', labels: { en: 'Parent' } }],
};
const resolve = (path: string) => getField(object, path);
const DEPT = '0190c0de-0000-7000-8000-000000000001';
const PARENT = '0190c0de-0000-7000-8000-00000000000a';

const RULE: SharingRuleDef = {
  name: 'big_manufacturers',
  criteria: { and: [{ field: 'industry', op: 'eq', value: 'manufacturing' }, { field: 'employees', op: 'gte', value: 500 }] },
  access: 'edit',
  principal_type: 'department',
  principal_id: DEPT,
  active: true,
};

const strip = (f: SharingRuleForm) => ({
  ...f,
  criteria: f.criteria.kind === 'builder' ? { ...f.criteria, state: { ...f.criteria.state, conditions: f.criteria.state.conditions.map(({ id: _id, ...c }) => c) } } : f.criteria,
});

describe('sharing rule form', () => {
  it('opens a rule in the filter builder with its principal titled, and saves the same rule back', () => {
    const form = sharingRuleToForm(RULE, resolve, { [DEPT]: '华东销售部' });
    expect(strip(form)).toEqual({
      name: 'big_manufacturers',
      criteria: {
        kind: 'builder',
        state: {
          match: 'and',
          conditions: [
            { field: 'industry', op: 'in', value: ['manufacturing'] },
            { field: 'employees', op: 'gte', value: 500 },
          ],
        },
      },
      access: 'edit',
      principal_type: 'department',
      principal: { value: DEPT, label: '华东销售部' },
      active: true,
    });
    expect(sharingRuleFromForm(form, resolve)).toEqual(RULE);
  });

  it('starts a new rule as read access for a department, over every record', () => {
    const form = sharingRuleToForm(null, resolve);
    expect(form.access).toBe('read');
    expect(form.principal_type).toBe('department');
    expect(sharingRuleFromForm({ ...form, name: ' all_to_ops ', principal: { value: DEPT, label: 'Ops' } }, resolve)).toEqual({
      name: 'all_to_ops',
      criteria: null,
      access: 'read',
      principal_type: 'department',
      principal_id: DEPT,
      active: true,
    });
  });

  it('keeps criteria the builder cannot show exactly as they were', () => {
    const tree: FilterNode = { or: [{ and: [{ field: 'employees', op: 'gt', value: 1 }, { field: 'grade', op: 'eq', value: 'A' }] }] };
    const value = criteriaValue(tree, resolve);
    expect(value).toEqual({ kind: 'raw', tree });
    expect(criteriaTree(value, resolve)).toBe(tree);
    expect(incompleteConditions(value, resolve)).toBe(0);
  });

  it('counts conditions that would be dropped (and so widen the rule) if saved', () => {
    const value = criteriaValue({ field: 'employees', op: 'gte', value: 500 }, resolve);
    if (value.kind !== 'builder') throw new Error('expected the builder');
    const withBlank = { ...value, state: { ...value.state, conditions: [...value.state.conditions, { id: 'x', field: 'phone', op: 'contains' as const }] } };
    expect(incompleteConditions(withBlank, resolve)).toBe(1);
    expect(incompleteConditions(value, resolve)).toBe(0);
  });
});

describe('titles of the records rules name', () => {
  const rules: SharingRuleDef[] = [
    RULE,
    { name: 'children', criteria: { field: 'parent', op: 'in', value: [PARENT] }, access: 'read', principal_type: 'role', principal_id: 'r1' },
    { name: 'to_user', criteria: null, access: 'read', principal_type: 'user', principal_id: 'u1' },
  ];

  it('collects principals by kind and lookup values by target object', () => {
    const ids = referencedIds(rules, resolve);
    expect(Object.fromEntries([...ids].map(([k, v]) => [k, [...v]]))).toEqual({
      department: [DEPT],
      role: ['r1'],
      account: [PARENT],
      user: ['u1'],
    });
  });

  it('shows lookup values by title, falling back to the id', () => {
    const value = criteriaValue(rules[1].criteria, resolve);
    if (value.kind !== 'builder') throw new Error('expected the builder');
    const titled = withTitles(value.state, resolve, { [PARENT]: '上海宏达' });
    expect(titled.conditions[0].value).toEqual([{ value: PARENT, label: '上海宏达' }]);
    expect(withTitles(value.state, resolve, {}).conditions[0].value).toEqual([{ value: PARENT, label: PARENT }]);
    // Back to the API: ids only.
    expect(criteriaTree({ kind: 'builder', state: titled }, resolve)).toEqual({ field: 'parent', op: 'eq', value: PARENT });
  });
});

import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { resolvePath } from '../lib/fields';
import { account, contact, field } from '../test/fixtures';
import { groupToTree, leafToCondition, newRelatedItem, treeToGroup, updateItem, type Group, type TreeNode } from './segmentTree';

const activity: ObjectMeta = {
  name: 'activity',
  labels: { en: 'Activity', 'zh-CN': '活动记录' },
  name_field: 'subject',
  fields: [
    field('subject', 'text'),
    field('type', 'picklist', { options: [{ value: 'call', labels: { en: 'Call', 'zh-CN': '电话' } }] }),
    field('due_date', 'date'),
    field('contact', 'lookup', { target: 'contact' }),
  ],
};
const objects = [account, contact, activity];
const resolve = (path: string) => resolvePath(objects, contact, path);
const relatedResolve = (object: string) => (path: string) => {
  const meta = objects.find((o) => o.name === object);
  return meta ? resolvePath(objects, meta, path) : undefined;
};

const SAVED: TreeNode = {
  and: [
    { field: 'account.industry', op: 'in', value: ['manufacturing', 'it'] },
    { field: 'email', op: 'is_null', value: false },
    {
      or: [
        { related: { object: 'activity', field: 'contact', filter: { and: [{ field: 'type', op: 'eq', value: 'call' }, { field: 'due_date', op: 'eq', value: 'last_n_days:90' }] } }, op: 'gte', value: 3 },
        { not: { field: 'name', op: 'contains', value: '测试' } },
      ],
    },
  ],
};

describe('segment tree', () => {
  it('reads a saved tree into groups, conditions and counts, and writes it back unchanged', () => {
    const group = treeToGroup(SAVED, resolve, relatedResolve);
    expect(group.match).toBe('and');
    expect(group.items.map((i) => i.kind)).toEqual(['condition', 'condition', 'group']);
    const nested = group.items[2];
    if (nested.kind !== 'group') throw new Error('a group');
    expect(nested.group.match).toBe('or');
    const count = nested.group.items[0];
    expect(count.kind).toBe('related');
    if (count.kind === 'related') {
      expect([count.object, count.field, count.op, count.value]).toEqual(['activity', 'contact', 'gte', 3]);
      expect(count.filter.conditions.map((c) => [c.field, c.op])).toEqual([
        ['type', 'in'],
        ['due_date', 'within'],
      ]);
    }
    expect(groupToTree(group, resolve, relatedResolve)).toEqual({
      and: [
        { field: 'account.industry', op: 'in', value: ['manufacturing', 'it'] },
        { field: 'email', op: 'is_null', value: false },
        {
          or: [
            { related: { object: 'activity', field: 'contact', filter: { and: [{ field: 'type', op: 'eq', value: 'call' }, { field: 'due_date', op: 'eq', value: 'last_n_days:90' }] } }, op: 'gte', value: 3 },
            { not: { field: 'name', op: 'contains', value: '测试' } },
          ],
        },
      ],
    });
  });

  it('keeps what it cannot show as rows, so saving never loses a condition', () => {
    const odd: TreeNode = { and: [{ not: { or: [{ field: 'name', op: 'eq', value: 'x' }] } }, { related: { object: 'opportunity', field: 'account', on: 'account' }, op: 'gte', value: 1 }] };
    const group = treeToGroup(odd, resolve, relatedResolve);
    expect(group.items.map((i) => i.kind)).toEqual(['raw', 'raw']);
    expect(groupToTree(group, resolve, relatedResolve)).toEqual(odd);
    expect(treeToGroup(null, resolve, relatedResolve).items).toEqual([]);
    expect(treeToGroup({} as TreeNode, resolve, relatedResolve).items).toEqual([]);
  });

  it('maps leaves to the list filter operators', () => {
    const email = resolve('email');
    expect(leafToCondition({ field: 'email', op: 'is_null', value: true }, email)?.op).toBe('is_empty');
    expect(leafToCondition({ field: 'email', op: 'starts_with', value: 'a' }, email)?.op).toBe('starts_with');
    expect(leafToCondition({ field: 'account', op: 'eq', value: 'id1' }, resolve('account'))?.value).toEqual([{ value: 'id1', label: 'id1' }]);
    expect(leafToCondition({ field: 'nope', op: 'eq', value: 1 }, undefined)).toBeNull();
  });

  it('leaves incomplete rows out, drops empty groups and edits nested items', () => {
    const count = newRelatedItem('activity', 'contact');
    let group: Group = {
      match: 'and',
      items: [
        { kind: 'condition', id: 'a', cond: { id: 'a', field: 'email', op: 'contains', value: '' } },
        { kind: 'group', id: 'g', group: { match: 'or', items: [count] } },
      ],
    };
    expect(groupToTree(group, resolve, relatedResolve)).toEqual({ related: { object: 'activity', field: 'contact' }, op: 'gte', value: 1 });
    group = updateItem(group, count.id, (i) => (i.kind === 'related' ? { ...i, op: 'eq', value: 0 } : i));
    expect(groupToTree(group, resolve, relatedResolve)).toEqual({ related: { object: 'activity', field: 'contact' }, op: 'eq', value: 0 });
    group = updateItem(group, count.id, () => null);
    expect(groupToTree(group, resolve, relatedResolve)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { account, contact, OBJECTS, opportunity } from '../test/fixtures';
import { childRelations, defaultColumns, highlightFields } from './fields';
import { can, orderRelations, recordSections } from './layout';

describe('default columns', () => {
  it('picks the parent lookup, money, stage and a date after the name, in metadata order, then the owner', () => {
    expect(defaultColumns(opportunity)).toEqual(['name', 'account', 'stage', 'amount', 'probability', 'close_date', 'owner_id']);
  });
  it('skips long text, auto numbers and self-lookups', () => {
    const cols = defaultColumns(account);
    expect(cols[0]).toBe('name');
    expect(cols).not.toContain('description');
    expect(cols).toContain('annual_revenue');
    expect(cols).toContain('phone');
  });
  it('leaves JSON documents out of the columns and the header', () => {
    const segment: ObjectMeta = {
      name: 'segment',
      labels: { en: 'Segment' },
      name_field: 'name',
      package: 'marketing',
      fields: [
        { name: 'name', type: 'text', labels: { en: 'Name' } },
        { name: 'object', type: 'picklist', labels: { en: 'Audience' }, options: [] },
        { name: 'filter', type: 'json', labels: { en: 'Conditions' } },
      ],
    } as unknown as ObjectMeta;
    expect(defaultColumns(segment)).toEqual(['name', 'object']);
    expect(highlightFields(segment).map((f) => f.name)).toEqual(['object']);
  });
  it('highlights a few key fields', () => {
    expect(highlightFields(opportunity, 3).map((f) => f.name)).toEqual(['account', 'stage', 'amount']);
  });
});

describe('relations and layout', () => {
  it('finds child relations through lookups and master-details', () => {
    expect(childRelations(OBJECTS, 'account').map((r) => `${r.object.name}.${r.field.name}`)).toEqual(['opportunity.account', 'contact.account']);
  });
  it('orders related lists by the layout when it names them', () => {
    const rels = childRelations(OBJECTS, 'account');
    const withLayout: ObjectMeta = { ...account, layout: { sections: [], related_lists: ['contact.account'] } };
    expect(orderRelations(withLayout, rels).map((r) => r.object.name)).toEqual(['contact']);
    expect(orderRelations(account, rels)).toHaveLength(2);
  });
  it('groups fields into layout sections, unplaced ones into the first', () => {
    const obj: ObjectMeta = {
      ...contact,
      layout: {
        sections: [
          { key: 'main', labels: { en: 'Main' }, fields: ['name', 'account'], columns: 2 },
          { key: 'more', labels: { en: 'More' }, fields: ['created_at'], columns: 3, collapsed: true },
        ],
      },
    };
    const include = obj.fields.filter((f) => ['name', 'account', 'email'].includes(f.name));
    const sections = recordSections(obj, include);
    expect(sections.map((s) => [s.key, s.fields.map((f) => f.name)])).toEqual([['main', ['name', 'account', 'email']]]);
    expect(recordSections(contact, include)).toEqual([
      { key: 'details', labels: null, fields: include, columns: 2, collapsed: false },
    ]);
  });
  it('reads object permissions, allowing when absent', () => {
    expect(can(account, 'create')).toBe(true);
    expect(can({ ...account, permissions: { create: false, edit: true } }, 'create')).toBe(false);
  });
});

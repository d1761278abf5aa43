import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../../api/types';
import { addSection, editableLayout, layoutPayload, moveField, moveSection, nudgeField, removeField, removeSection, unplaced, updateSection } from './layoutEdit';

const obj: ObjectMeta = {
  name: 'warranty',
  labels: { en: 'Warranty' },
  name_field: 'name',
  fields: ['id', 'version', 'created_at', 'owner_id', 'name', 'serial_no', 'level', 'expires'].map((name) => ({ name, type: 'text', labels: { en: name } })),
  layout: {
    sections: [
      { key: 'details', labels: { en: 'Details' }, fields: ['name', 'serial_no', 'level'], columns: 2 },
      { key: 'system', labels: { en: 'System' }, fields: ['created_at', 'owner_id'], columns: 2, collapsed: true },
    ],
  },
};

const fieldsOf = (l: ReturnType<typeof editableLayout>) => l.sections.map((s) => s.fields);

describe('layout editing', () => {
  it('lists fields not on the layout (never id/version)', () => {
    expect(unplaced(editableLayout(obj), obj)).toEqual(['expires']);
  });

  it('builds a default layout for objects without one', () => {
    const l = editableLayout({ ...obj, layout: null });
    expect(fieldsOf(l)).toEqual([['name', 'serial_no', 'level', 'expires'], ['created_at', 'owner_id']]);
  });

  it('reorders within a section and does not touch the original', () => {
    const l = editableLayout(obj);
    const moved = moveField(l, 'level', 'details', 0);
    expect(fieldsOf(moved)[0]).toEqual(['level', 'name', 'serial_no']);
    expect(fieldsOf(l)[0]).toEqual(['name', 'serial_no', 'level']);
  });

  it('moves between sections and from the tray, keeping each field once', () => {
    let l = moveField(editableLayout(obj), 'serial_no', 'system', 1);
    l = moveField(l, 'expires', 'details', 99);
    expect(fieldsOf(l)).toEqual([['name', 'level', 'expires'], ['created_at', 'serial_no', 'owner_id']]);
    expect(unplaced(l, obj)).toEqual([]);
  });

  it('nudges across section edges', () => {
    let l = nudgeField(editableLayout(obj), 'level', 1);
    expect(fieldsOf(l)).toEqual([['name', 'serial_no'], ['level', 'created_at', 'owner_id']]);
    l = nudgeField(l, 'level', -1);
    expect(fieldsOf(l)[0]).toEqual(['name', 'serial_no', 'level']);
    expect(nudgeField(l, 'name', -1)).toBe(l);
  });

  it('adds, renames, reorders and removes sections; removed fields go to the tray', () => {
    let l = addSection(editableLayout(obj), { en: 'Terms', 'zh-CN': '条款' });
    expect(l.sections[2].key).toBe('section_3');
    l = updateSection(l, 'section_3', { labels: { en: 'Warranty terms' }, columns: 1 });
    l = moveField(l, 'expires', 'section_3', 0);
    l = moveSection(l, 'section_3', -1);
    expect(l.sections.map((s) => s.key)).toEqual(['details', 'section_3', 'system']);
    l = removeSection(l, 'section_3');
    expect(unplaced(l, obj)).toEqual(['expires']);
    l = removeField(l, 'name');
    expect(unplaced(l, obj)).toEqual(['name', 'expires']);
    const single = { sections: [l.sections[0]] };
    expect(removeSection(single, 'details')).toBe(single);
  });

  it('produces the API payload without empty labels', () => {
    const l = updateSection(editableLayout(obj), 'details', { labels: { en: 'Main', 'zh-CN': ' ' } });
    const p = layoutPayload(l);
    expect(p.sections[0]).toEqual({ key: 'details', labels: { en: 'Main' }, fields: ['name', 'serial_no', 'level'], columns: 2, collapsed: false });
    expect(p.related_lists).toBeNull();
  });
});

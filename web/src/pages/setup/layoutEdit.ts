/**
 * Page-layout editing as pure operations on plain data. Every operation returns a new layout,
 * keeps each field in at most one section (the server rejects repeats) and never loses a field:
 * fields taken off the layout go to the "not on the layout" tray.
 */
import type { Labels, Layout, LayoutSection, ObjectMeta } from '../../api/types';

const HIDDEN_SYSTEM = new Set(['id', 'version', 'deleted_at']);
const SYSTEM = new Set(['created_at', 'created_by', 'updated_at', 'updated_by', 'owner_id']);

export interface EditableLayout {
  sections: LayoutSection[];
  related_lists?: string[] | null;
}

function copy(layout: EditableLayout): EditableLayout {
  return { ...layout, sections: layout.sections.map((s) => ({ ...s, labels: { ...s.labels }, fields: [...s.fields] })) };
}

/** Fields a layout may place: business fields, then the visible system fields. */
export function placeableFields(obj: ObjectMeta): string[] {
  return obj.fields.filter((f) => !HIDDEN_SYSTEM.has(f.name)).map((f) => f.name);
}

/** The object's layout to edit (the server sends one even for objects that never saved one). */
export function editableLayout(obj: ObjectMeta): EditableLayout {
  if (obj.layout && obj.layout.sections.length) return copy({ sections: obj.layout.sections, related_lists: obj.layout.related_lists ?? null });
  const names = placeableFields(obj);
  return {
    sections: [
      { key: 'details', labels: { en: 'Details', 'zh-CN': '详细信息' }, fields: names.filter((n) => !SYSTEM.has(n)), columns: 2, collapsed: false },
      { key: 'system', labels: { en: 'System information', 'zh-CN': '系统信息' }, fields: names.filter((n) => SYSTEM.has(n)), columns: 2, collapsed: true },
    ],
    related_lists: null,
  };
}

/** Placeable fields that no section holds, in metadata order. */
export function unplaced(layout: EditableLayout, obj: ObjectMeta): string[] {
  const placed = new Set(layout.sections.flatMap((s) => s.fields));
  return placeableFields(obj).filter((n) => !placed.has(n));
}

/**
 * Put `field` into section `toKey` at `toIndex` (clamped), taking it from wherever it was.
 * Moving within one section uses the index of the list after the field is taken out.
 */
export function moveField(layout: EditableLayout, field: string, toKey: string, toIndex: number): EditableLayout {
  const next = copy(layout);
  const target = next.sections.find((s) => s.key === toKey);
  if (!target) return layout;
  for (const s of next.sections) s.fields = s.fields.filter((f) => f !== field);
  const at = Math.max(0, Math.min(toIndex, target.fields.length));
  target.fields.splice(at, 0, field);
  return next;
}

/** Move a field one place up (-1) or down (+1) within its section; across the section edge it
 * goes to the end of the previous / start of the next section. */
export function nudgeField(layout: EditableLayout, field: string, delta: -1 | 1): EditableLayout {
  const si = layout.sections.findIndex((s) => s.fields.includes(field));
  if (si < 0) return layout;
  const section = layout.sections[si];
  const fi = section.fields.indexOf(field);
  const to = fi + delta;
  if (to >= 0 && to < section.fields.length) return moveField(layout, field, section.key, to);
  const neighbour = layout.sections[si + delta];
  if (!neighbour) return layout;
  return moveField(layout, field, neighbour.key, delta < 0 ? neighbour.fields.length : 0);
}

/** Take a field off the layout (it goes to the tray). */
export function removeField(layout: EditableLayout, field: string): EditableLayout {
  const next = copy(layout);
  for (const s of next.sections) s.fields = s.fields.filter((f) => f !== field);
  return next;
}

/** A section key not yet used: section_2, section_3, … (keys follow the API-name rules). */
export function newSectionKey(layout: EditableLayout): string {
  const used = new Set(layout.sections.map((s) => s.key));
  for (let i = layout.sections.length + 1; ; i++) {
    const key = `section_${i}`;
    if (!used.has(key)) return key;
  }
}

export function addSection(layout: EditableLayout, labels: Labels, columns = 2): EditableLayout {
  const next = copy(layout);
  next.sections.push({ key: newSectionKey(layout), labels, fields: [], columns, collapsed: false });
  return next;
}

export function updateSection(layout: EditableLayout, key: string, patch: Partial<Pick<LayoutSection, 'labels' | 'columns' | 'collapsed'>>): EditableLayout {
  const next = copy(layout);
  const s = next.sections.find((x) => x.key === key);
  if (s) Object.assign(s, patch);
  return next;
}

/** Remove a section; its fields go to the tray. The last section cannot be removed. */
export function removeSection(layout: EditableLayout, key: string): EditableLayout {
  if (layout.sections.length <= 1) return layout;
  const next = copy(layout);
  next.sections = next.sections.filter((s) => s.key !== key);
  return next;
}

export function moveSection(layout: EditableLayout, key: string, delta: -1 | 1): EditableLayout {
  const i = layout.sections.findIndex((s) => s.key === key);
  const to = i + delta;
  if (i < 0 || to < 0 || to >= layout.sections.length) return layout;
  const next = copy(layout);
  const [s] = next.sections.splice(i, 1);
  next.sections.splice(to, 0, s);
  return next;
}

/** The body for PATCH /metadata/objects/{o} {"layout": …}. */
export function layoutPayload(layout: EditableLayout): Layout {
  return {
    sections: layout.sections.map((s) => ({
      key: s.key,
      labels: Object.fromEntries(Object.entries(s.labels).filter(([, v]) => typeof v === 'string' && v.trim())) as Labels,
      fields: [...s.fields],
      columns: s.columns ?? 2,
      collapsed: !!s.collapsed,
    })),
    related_lists: layout.related_lists ?? null,
  };
}

/** Record-page sections from the object's layout metadata (or one "Details" section). */
import type { FieldMeta, Labels, ObjectMeta } from '../api/types';
import type { Relation } from './fields';

export interface SectionView {
  key: string;
  labels: Labels | null;
  fields: FieldMeta[];
  columns: number;
  collapsed: boolean;
}

/**
 * Group `include` (the fields to show, in order) into the layout's sections. Fields the layout
 * does not place go to the first section; empty sections are dropped.
 */
export function recordSections(obj: ObjectMeta, include: FieldMeta[]): SectionView[] {
  const byName = new Map(include.map((f) => [f.name, f]));
  const placed = new Set<string>();
  const sections: SectionView[] = [];
  for (const s of obj.layout?.sections ?? []) {
    const fields = s.fields.map((n) => byName.get(n)).filter((f): f is FieldMeta => !!f && !placed.has(f.name));
    fields.forEach((f) => placed.add(f.name));
    sections.push({ key: s.key, labels: s.labels, fields, columns: Math.min(Math.max(s.columns ?? 2, 1), 3), collapsed: !!s.collapsed });
  }
  const rest = include.filter((f) => !placed.has(f.name));
  if (rest.length) {
    if (sections.length) sections[0].fields.push(...rest);
    else sections.push({ key: 'details', labels: null, fields: rest, columns: 2, collapsed: false });
  }
  return sections.filter((s) => s.fields.length > 0);
}

/** Related lists in the order the layout asks for (all of them when it does not say). */
export function orderRelations(obj: ObjectMeta, relations: Relation[]): Relation[] {
  const wanted = obj.layout?.related_lists;
  if (!wanted) return relations;
  const key = (r: Relation) => `${r.object.name}.${r.field.name}`;
  return wanted.map((w) => relations.find((r) => key(r) === w)).filter((r): r is Relation => !!r);
}

export type Operation = 'create' | 'edit' | 'delete';
/** Object-level permission from metadata; allowed unless the server says otherwise. */
export function can(obj: ObjectMeta, op: Operation): boolean {
  return obj.permissions?.[op] !== false;
}

import type { FieldMeta, FieldType, ObjectMeta, RecordData } from '../api/types';

export const SYSTEM_FIELDS = new Set([
  'id',
  'version',
  'created_at',
  'updated_at',
  'created_by',
  'updated_by',
  'owner_id',
  'deleted_at',
]);

/** Types whose value is computed by the server. */
export const COMPUTED_TYPES = new Set<string>(['auto_number', 'formula', 'rollup']);
export const REFERENCE_TYPES = new Set<string>(['lookup', 'master_detail', 'owner']);
export const NUMBER_TYPES = new Set<string>(['integer', 'decimal', 'currency', 'percent', 'rollup']);
export const TEXT_TYPES = new Set<string>(['text', 'long_text', 'email', 'phone', 'url', 'auto_number']);

export function isSystemField(f: FieldMeta): boolean {
  return SYSTEM_FIELDS.has(f.name);
}

export function isReference(f: FieldMeta): boolean {
  return REFERENCE_TYPES.has(f.type);
}

/** Can a user type a value into this field? */
export function isEditable(f: FieldMeta, mode: 'create' | 'edit' = 'edit'): boolean {
  if (f.read_only) return false;
  if (SYSTEM_FIELDS.has(f.name) && f.name !== 'owner_id') return false;
  if (COMPUTED_TYPES.has(f.type)) return false;
  if (mode === 'edit' && f.type === 'master_detail') return true;
  return true;
}

/** Effective value type of a field (formula → its return type). */
export function valueType(f: FieldMeta): FieldType {
  if (f.type === 'formula' && f.return_type) return f.return_type as FieldType;
  if (f.type === 'rollup') return (f.return_type as FieldType) || 'decimal';
  if (f.type === 'id') return 'text';
  if (f.type === 'version') return 'integer';
  if (f.type === 'json') return 'long_text';
  return f.type;
}

export function fieldMap(obj: ObjectMeta): Map<string, FieldMeta> {
  return new Map(obj.fields.map((f) => [f.name, f]));
}

export function getField(obj: ObjectMeta, name: string): FieldMeta | undefined {
  return obj.fields.find((f) => f.name === name);
}

/** Business (non-system) fields in metadata order. */
export function businessFields(obj: ObjectMeta): FieldMeta[] {
  return obj.fields.filter((f) => !isSystemField(f));
}

/**
 * Default list columns: the name field, then up to `max - 1` fields chosen like a person would
 * (the parent lookup, money, the stage/status, a date, a contact channel, then metadata order),
 * shown in metadata order, then the owner.
 */
export function defaultColumns(obj: ObjectMeta, max = 6): string[] {
  const candidates = businessFields(obj).filter(
    // (A package's JSON document — a segment's conditions — is edited on its own screen.)
    (f) => f.name !== obj.name_field && !['long_text', 'auto_number', 'multi_picklist', 'json'].includes(f.type),
  );
  const picked = new Set<string>();
  const take = (f: FieldMeta | undefined) => {
    if (f && picked.size < max - 1) picked.add(f.name);
  };
  const refs = candidates.filter((f) => (f.type === 'lookup' || f.type === 'master_detail') && f.target !== obj.name);
  take(refs.find((f) => f.required || f.type === 'master_detail') ?? refs[0]);
  take(candidates.find((f) => f.type === 'currency'));
  const picklists = candidates.filter((f) => f.type === 'picklist');
  take(picklists.find((f) => /stage|status/.test(f.name)) ?? picklists[0]);
  take(candidates.find((f) => f.type === 'date'));
  take(candidates.find((f) => f.type === 'phone' || f.type === 'email'));
  for (const f of candidates) take(f);
  const cols = [obj.name_field, ...candidates.filter((f) => picked.has(f.name)).map((f) => f.name)];
  if (obj.features?.owner && getField(obj, 'owner_id')) cols.push('owner_id');
  return cols.filter((n) => getField(obj, n));
}

/** A handful of key fields for the record header: the same picks as the default columns. */
export function highlightFields(obj: ObjectMeta, max = 4): FieldMeta[] {
  return defaultColumns(obj, max + 1)
    .filter((n) => n !== obj.name_field && n !== 'owner_id')
    .slice(0, max)
    .map((n) => getField(obj, n)!)
    .filter(Boolean);
}

export interface Relation {
  /** The child object, e.g. "contact". */
  object: ObjectMeta;
  /** The lookup field on the child pointing at the parent, e.g. "account". */
  field: FieldMeta;
}

/** Every lookup/master-detail in any object whose target is `name`. */
export function childRelations(objects: ObjectMeta[], name: string): Relation[] {
  const out: Relation[] = [];
  for (const o of objects) {
    for (const f of o.fields) {
      if ((f.type === 'lookup' || f.type === 'master_detail') && f.target === name) out.push({ object: o, field: f });
    }
  }
  return out;
}

/** Resolve a (possibly dotted) field path like "account.industry". */
export function resolvePath(objects: ObjectMeta[], obj: ObjectMeta, path: string): FieldMeta | undefined {
  const parts = path.split('.');
  let current: ObjectMeta | undefined = obj;
  let field: FieldMeta | undefined;
  for (let i = 0; i < parts.length; i++) {
    if (!current) return undefined;
    field = getField(current, parts[i]);
    if (!field) return undefined;
    if (i < parts.length - 1) current = objects.find((o) => o.name === field!.target);
  }
  return field;
}

export function recordTitle(obj: ObjectMeta | undefined, rec: RecordData | null | undefined): string {
  if (!rec) return '';
  const v = obj ? rec[obj.name_field] : undefined;
  if (v !== undefined && v !== null && v !== '') return String(v);
  return '';
}

/** Title of the record a reference field points at. */
export function referenceTitle(rec: RecordData, field: string): string | null {
  const d = rec._display?.[field];
  return d === undefined || d === null ? null : String(d);
}

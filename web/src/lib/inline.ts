/** Pure helpers of in-place editing (one field of a list row, or one field on many rows). */
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { specFor } from '../fields/registry';
import { isEditable, isSystemField } from './fields';
import type { FormatSettings } from './format';

/** Can this list column be edited in place? Computed, system and read-only fields cannot. */
export function inlineEditable(field: FieldMeta): boolean {
  return isEditable(field, 'edit') && !isSystemField(field) && field.type !== 'master_detail';
}

/** Fields offered by "update a field on the selected records": editable and not unique (one value on many rows). */
export function massEditableFields(obj: ObjectMeta): FieldMeta[] {
  return obj.fields.filter((f) => inlineEditable(f) && !f.unique && f.name !== obj.name_field);
}

/**
 * The PATCH body for one edited field: only what differs from the record (so an unchanged
 * value makes no request and cannot overwrite someone else's change), or null if nothing did.
 */
export function inlinePayload(field: FieldMeta, formValue: unknown, record: RecordData, fmt: FormatSettings): Record<string, unknown> | null {
  const spec = specFor(field);
  const next = spec.fromForm(formValue, field, fmt);
  const before = spec.fromForm(spec.toForm(record, field, fmt), field, fmt);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) {
    if (JSON.stringify(v ?? null) !== JSON.stringify(before[k] ?? null)) out[k] = v;
  }
  return Object.keys(out).length ? out : null;
}

/**
 * Messages of a failed mass action, once each, with how many records they concern:
 * the server keys errors "N.field" by the record's position.
 */
export function summariseMassErrors(errors: { field?: string | null; message: string }[]): { message: string; count: number }[] {
  const seen = new Map<string, Set<string>>();
  for (const e of errors) {
    const row = /^(\d+)\./.exec(e.field ?? '')?.[1] ?? '';
    const rows = seen.get(e.message) ?? new Set<string>();
    rows.add(row);
    seen.set(e.message, rows);
  }
  return [...seen.entries()].map(([message, rows]) => ({ message, count: rows.size }));
}

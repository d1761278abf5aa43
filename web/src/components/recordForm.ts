/** Pure helpers between records, form values and API payloads. */
import type { FormInstance } from 'antd';
import { ApiError } from '../api/client';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { specFor } from '../fields/registry';
import { isEditable, isSystemField } from '../lib/fields';
import type { FormatSettings } from '../lib/format';
import type { TFunction } from '../i18n';
import { errorMessage } from './Status';

export type FormMode = 'create' | 'edit';

/**
 * Fields shown in a form: business fields in metadata order (computed ones read-only in edit
 * mode, left out on create), plus the owner when the server lets it be changed (edit only).
 */
export function formFields(obj: ObjectMeta, mode: FormMode): FieldMeta[] {
  return obj.fields.filter((f) => {
    if (f.name === 'owner_id') return mode === 'edit' && !f.read_only;
    if (isSystemField(f)) return false;
    if (mode === 'create') return isEditable(f, 'create');
    return true;
  });
}

function simpleDefault(field: FieldMeta): unknown {
  const d = field.default;
  if (d === null || d === undefined) return undefined;
  if (field.type === 'boolean' && typeof d === 'boolean') return d;
  if ((field.type === 'picklist' || field.type === 'multi_picklist') && field.options) {
    const values = Array.isArray(d) ? d : [d];
    if (values.every((v) => field.options!.some((o) => o.value === v))) return d;
    return undefined;
  }
  if (typeof d === 'number') return d;
  return undefined;
}

/** Record → antd form values. For create, `record` may carry prefilled values (e.g. a parent lookup). */
export function toFormValues(obj: ObjectMeta, record: RecordData | null | undefined, fmt: FormatSettings, mode: FormMode): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of formFields(obj, mode)) {
    let source = record;
    if (mode === 'create' && (record?.[f.name] === undefined || record?.[f.name] === null)) {
      const d = simpleDefault(f);
      if (d !== undefined) source = { ...(record ?? { id: '' }), [f.name]: d };
    }
    values[f.name] = specFor(f).toForm(source, f, fmt);
  }
  return values;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Form values → API payload. In edit mode only the fields that differ from the record are sent,
 * so a concurrent change to another field is never overwritten.
 */
export function toPayload(
  obj: ObjectMeta,
  formValues: Record<string, unknown>,
  fmt: FormatSettings,
  mode: FormMode,
  record?: RecordData | null,
): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const f of formFields(obj, mode)) {
    if (!isEditable(f, mode)) continue;
    if (!(f.name in formValues)) continue;
    const spec = specFor(f);
    const next = spec.fromForm(formValues[f.name], f, fmt);
    if (mode === 'create') {
      for (const [k, v] of Object.entries(next)) if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) payload[k] = v;
      continue;
    }
    const before = spec.fromForm(spec.toForm(record, f, fmt), f, fmt);
    for (const [k, v] of Object.entries(next)) if (!same(v, before[k])) payload[k] = v;
  }
  return payload;
}

/** Names of fields whose form value differs from the record (the user's edits). */
export function dirtyFields(obj: ObjectMeta, formValues: Record<string, unknown>, fmt: FormatSettings, record: RecordData | null | undefined): string[] {
  const base = toFormValues(obj, record, fmt, 'edit');
  return Object.keys(formValues).filter((k) => !same(formValues[k], base[k]));
}

/**
 * Put server field errors next to the fields shown in the form. Returns the messages that
 * belong to no shown field (for a banner above the form).
 */
export function applyFieldErrors(form: FormInstance, error: unknown, shown: Iterable<string>): string[] {
  if (!(error instanceof ApiError)) return [];
  const visible = new Set(shown);
  const byField = new Map<string, string[]>();
  const rest: string[] = [];
  for (const fe of error.fieldErrors) {
    let name = fe.field ?? '';
    if (name.startsWith('body.')) name = name.slice(5);
    if (name.endsWith('_currency') && visible.has(name.slice(0, -9))) name = name.slice(0, -9);
    if (name && visible.has(name)) byField.set(name, [...(byField.get(name) ?? []), fe.message]);
    else rest.push(fe.message);
  }
  form.setFields([...byField.entries()].map(([name, errors]) => ({ name, errors })));
  return rest;
}

/** Lines for the error banner above a form after a failed save. */
export function errorBanner(error: unknown, unplaced: string[], t: TFunction): string[] {
  if (unplaced.length) return unplaced;
  if (error instanceof ApiError && error.fieldErrors.length) return [t('record.fixErrors')];
  return [errorMessage(error, t)];
}

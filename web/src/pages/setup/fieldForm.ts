/**
 * The field-definition form as plain data: which options each field type takes, how the form's
 * values become the metadata API payload, and how the API's field errors find their inputs.
 * Pure functions so the rules are tested without rendering a form.
 */
import { FIELD_TYPES, type FieldType, type Labels } from '../../api/types';
import type { RollupSpec, SetupField, SetupOption } from './api';

/** Types an administrator can create (the server owns id/version). */
export const CREATABLE_TYPES: FieldType[] = [...FIELD_TYPES];

export const FORMULA_RETURN_TYPES = ['text', 'integer', 'decimal', 'currency', 'percent', 'boolean', 'date', 'datetime'] as const;
export const ROLLUP_RETURN_TYPES = ['integer', 'decimal', 'currency', 'percent'] as const;
export const ROLLUP_OPS = ['count', 'sum', 'min', 'max'] as const;

const COMPUTED = new Set<string>(['formula', 'rollup', 'auto_number']);
const NO_UNIQUE = new Set<string>(['long_text', 'multi_picklist', 'formula', 'rollup', 'boolean']);
const LENGTH = new Set<string>(['text', 'long_text']);
const SCALED = new Set<string>(['decimal', 'currency', 'percent']);
const PICKLISTS = new Set<string>(['picklist', 'multi_picklist']);
const REFERENCES = new Set<string>(['lookup', 'master_detail']);
const SEARCHABLE = new Set<string>(['text', 'long_text', 'email', 'phone', 'url', 'auto_number']);
const DEFAULTABLE = new Set<string>(['text', 'long_text', 'integer', 'decimal', 'currency', 'percent', 'boolean', 'date', 'email', 'phone', 'url', 'picklist']);
const NUMERIC = new Set<string>(['integer', 'decimal', 'currency', 'percent']);

/** Which inputs the form shows for a type (and so which keys the payload may carry). */
export interface TypeCapabilities {
  required: boolean;
  unique: boolean;
  searchable: boolean;
  maxLength: boolean;
  scale: boolean;
  options: boolean;
  target: boolean;
  pattern: boolean;
  formula: boolean;
  rollup: boolean;
  defaultKind: 'text' | 'number' | 'boolean' | 'date' | 'option' | null;
}

export function capabilities(type: string): TypeCapabilities {
  let defaultKind: TypeCapabilities['defaultKind'] = null;
  if (DEFAULTABLE.has(type)) {
    defaultKind = NUMERIC.has(type) ? 'number' : type === 'boolean' ? 'boolean' : type === 'date' ? 'date' : type === 'picklist' ? 'option' : 'text';
  }
  return {
    required: !COMPUTED.has(type) && type !== 'boolean',
    unique: !NO_UNIQUE.has(type),
    searchable: SEARCHABLE.has(type),
    maxLength: LENGTH.has(type),
    scale: SCALED.has(type),
    options: PICKLISTS.has(type),
    target: REFERENCES.has(type),
    pattern: type === 'auto_number',
    formula: type === 'formula',
    rollup: type === 'rollup',
    defaultKind,
  };
}

/** One row of the picklist editor. `saved` rows exist on the server: their value is fixed. */
export interface OptionRow {
  value: string;
  /** The value was typed by hand, so the label no longer suggests it. */
  touched?: boolean;
  en?: string;
  zh?: string;
  active: boolean;
  color?: string | null;
  probability?: number | null;
  saved?: boolean;
}

/** The form's values. Names mirror the API so its field errors land on the right input. */
export interface FieldFormValues {
  name: string;
  type: FieldType;
  label_en?: string;
  label_zh?: string;
  help_en?: string;
  help_zh?: string;
  required?: boolean;
  unique?: boolean;
  indexed?: boolean;
  searchable?: boolean;
  max_length?: number | null;
  precision?: number | null;
  scale?: number | null;
  default?: unknown;
  options?: OptionRow[];
  target?: string | null;
  pattern?: string | null;
  expression?: string | null;
  return_type?: string | null;
  /** "child_object.child_field" — the child relation summarised by a roll-up. */
  rollup_child?: string | null;
  rollup_op?: RollupSpec['op'] | null;
  rollup_aggregate_field?: string | null;
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** A labels map without empty languages. */
export function labelsOf(en?: string, zh?: string): Labels {
  const out: Labels = {};
  if (text(en)) out.en = text(en);
  if (text(zh)) out['zh-CN'] = text(zh);
  return out;
}

/** Suggest an API name from an English label: "Serial No." → "serial_no". */
export function suggestName(label: string): string {
  const base = label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 48);
  if (!base) return '';
  return /^[a-z]/.test(base) ? base : `f_${base}`.slice(0, 48);
}

function optionPayload(row: OptionRow): SetupOption {
  const out: SetupOption = { value: text(row.value), labels: labelsOf(row.en, row.zh), active: row.active !== false };
  if (row.color) out.color = row.color;
  if (row.probability !== undefined && row.probability !== null) out.probability = row.probability;
  return out;
}

function isBlank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/**
 * The metadata API body for the form. `create` sends name, type and target; `edit` sends only
 * what may change (the server refuses type/target changes), with cleared values as null.
 */
export function toPayload(values: FieldFormValues, mode: 'create' | 'edit'): Record<string, unknown> {
  const type = values.type;
  const caps = capabilities(type);
  const body: Record<string, unknown> = {};
  if (mode === 'create') {
    body.name = text(values.name);
    body.type = type;
  }
  body.labels = labelsOf(values.label_en, values.label_zh);
  const help = labelsOf(values.help_en, values.help_zh);
  if (Object.keys(help).length) body.help = help;
  else if (mode === 'edit') body.help = null;
  if (caps.required) body.required = !!values.required;
  if (caps.unique) body.unique = !!values.unique;
  if (!COMPUTED.has(type) || type === 'auto_number') body.indexed = !!values.indexed;
  if (caps.searchable) body.searchable = !!values.searchable;
  const maybe = (key: 'max_length' | 'precision' | 'scale', v: number | null | undefined) => {
    if (typeof v === 'number' && Number.isFinite(v)) body[key] = v;
    else if (mode === 'edit') body[key] = null;
  };
  if (caps.maxLength) maybe('max_length', values.max_length);
  if (caps.scale) {
    maybe('precision', values.precision);
    maybe('scale', values.scale);
  }
  if (caps.options) body.options = (values.options ?? []).map(optionPayload);
  if (caps.target && mode === 'create') body.target = values.target || null;
  if (type === 'owner' && mode === 'create') body.target = 'user';
  if (caps.pattern) body.pattern = text(values.pattern);
  if (caps.formula) {
    body.expression = text(values.expression);
    body.return_type = values.return_type || null;
  }
  if (caps.rollup) {
    const [child_object = '', child_field = ''] = (values.rollup_child ?? '').split('.');
    const op = values.rollup_op ?? 'count';
    const spec: RollupSpec = { child_object, child_field, op };
    if (op !== 'count') spec.aggregate_field = values.rollup_aggregate_field || null;
    body.rollup = spec;
    body.return_type = values.return_type || null;
  }
  if (caps.defaultKind === 'boolean') {
    // A checkbox always has a value: new records start unticked unless the default says yes.
    body.default = values.default === true;
  } else if (caps.defaultKind) {
    const d = typeof values.default === 'string' ? values.default.trim() : values.default;
    if (!isBlank(d)) body.default = d;
    else if (mode === 'edit') body.default = null;
  }
  return body;
}

/** The form's values for an existing field. */
export function fromField(f: SetupField): FieldFormValues {
  return {
    name: f.name,
    type: f.type as FieldType,
    label_en: f.labels?.en ?? '',
    label_zh: f.labels?.['zh-CN'] ?? '',
    help_en: f.help?.en ?? '',
    help_zh: f.help?.['zh-CN'] ?? '',
    required: !!f.required,
    unique: !!f.unique,
    indexed: !!f.indexed,
    searchable: !!f.searchable,
    max_length: f.max_length ?? null,
    precision: f.precision ?? null,
    scale: f.scale ?? null,
    default: f.default ?? undefined,
    options: (f.options ?? []).map((o) => ({
      value: o.value,
      en: o.labels?.en ?? '',
      zh: o.labels?.['zh-CN'] ?? '',
      active: o.active !== false,
      color: o.color ?? null,
      probability: o.probability ?? null,
      saved: true,
    })),
    target: f.target ?? null,
    pattern: f.pattern ?? null,
    expression: f.expression ?? null,
    return_type: (f.return_type as string | null | undefined) ?? null,
    rollup_child: f.rollup ? `${f.rollup.child_object}.${f.rollup.child_field}` : null,
    rollup_op: f.rollup?.op ?? null,
    rollup_aggregate_field: f.rollup?.aggregate_field ?? null,
  };
}

export type NamePath = (string | number)[];

/** Where an API error key ("labels", "options.2.value", "rollup.child_field") shows in the form. */
export function errorTarget(key: string | null | undefined): NamePath | null {
  if (!key) return null;
  const parts = key.split('.');
  const head = parts[0];
  if (head === 'labels') return ['label_en'];
  if (head === 'help') return ['help_en'];
  if (head === 'rollup') {
    const sub = parts[1];
    if (sub === 'aggregate_field') return ['rollup_aggregate_field'];
    if (sub === 'op') return ['rollup_op'];
    return ['rollup_child'];
  }
  if (head === 'options') {
    const index = Number(parts[1]);
    if (parts.length >= 3 && Number.isInteger(index)) {
      const leaf = parts[2] === 'labels' ? 'en' : parts[2];
      return ['options', index, leaf];
    }
    return null; // shown above the option list
  }
  const known = new Set([
    'name',
    'type',
    'max_length',
    'precision',
    'scale',
    'default',
    'target',
    'pattern',
    'expression',
    'return_type',
  ]);
  return known.has(head) ? [head] : null;
}

export interface MappedErrors {
  fields: { name: NamePath; errors: string[] }[];
  /** Messages that belong to no single input (shown above the form). */
  general: string[];
}

/** Split a problem's `errors` into per-input messages and general ones. */
export function mapFieldErrors(errors: { field?: string | null; message: string }[]): MappedErrors {
  const byPath = new Map<string, { name: NamePath; errors: string[] }>();
  const general: string[] = [];
  for (const e of errors) {
    const target = errorTarget(e.field);
    if (!target) {
      general.push(e.field ? `${e.field}: ${e.message}` : e.message);
      continue;
    }
    const key = target.join('.');
    const entry = byPath.get(key) ?? { name: target, errors: [] };
    entry.errors.push(e.message);
    byPath.set(key, entry);
  }
  return { fields: [...byPath.values()], general };
}

/** Move one option row up (-1) or down (+1); out-of-range moves change nothing. */
export function moveOption(rows: OptionRow[], index: number, delta: number): OptionRow[] {
  const to = index + delta;
  if (index < 0 || index >= rows.length || to < 0 || to >= rows.length) return rows;
  const next = [...rows];
  const [row] = next.splice(index, 1);
  next.splice(to, 0, row);
  return next;
}

/**
 * Turn an action's declared input (a JSON Schema, as pydantic writes it) into the fields of a
 * small form, and the form's values back into the JSON body.
 *
 * Why generic: every package action (reject with a reason, create a contract with dates, split
 * a contract into installments) declares its input on the server; the web app should not need a
 * screen per action to ask for it.
 */
import type { JsonSchema } from '../api/l2c';

export type ActionFieldKind = 'text' | 'long_text' | 'date' | 'datetime' | 'integer' | 'decimal' | 'boolean' | 'enum' | 'list' | 'record' | 'request_key';

export interface ActionField {
  name: string;
  label: string;
  kind: ActionFieldKind;
  required: boolean;
  options?: string[];
  /** Shown for the options (by value), when the app knows better words than the values. */
  optionLabels?: Record<string, string>;
  default?: unknown;
  description?: string;
  /** The fields of one item, for `list` (an array of objects, e.g. installments). */
  item?: ActionField[];
  /** The object a `record` input names (the form shows a lookup picker over it). */
  target?: string;
}

/** Resolve `$ref` into `$defs` and unwrap `Optional[X]` (anyOf X | null). */
function resolve(schema: JsonSchema, root: JsonSchema): { schema: JsonSchema; nullable: boolean } {
  let s = schema;
  let nullable = false;
  for (let i = 0; i < 5; i++) {
    if (s.$ref) {
      const name = s.$ref.split('/').pop() ?? '';
      s = { ...root.$defs?.[name], title: s.title ?? root.$defs?.[name]?.title, default: s.default };
      continue;
    }
    if (s.anyOf) {
      const rest = s.anyOf.filter((x) => x.type !== 'null');
      nullable = nullable || rest.length < s.anyOf.length;
      // Decimal is anyOf [number, string(pattern)]: any of them is a decimal.
      if (rest.length > 1 && rest.some((x) => x.type === 'number')) {
        s = { ...s, anyOf: undefined, type: 'number', format: s.format ?? 'decimal' };
        continue;
      }
      s = {
        ...rest[0],
        title: s.title ?? rest[0]?.title,
        default: s.default ?? rest[0]?.default,
        description: s.description ?? rest[0]?.description,
        'x-keyi-lookup': s['x-keyi-lookup'] ?? rest[0]?.['x-keyi-lookup'],
        'x-keyi-request-key': s['x-keyi-request-key'] ?? rest[0]?.['x-keyi-request-key'],
      };
      continue;
    }
    break;
  }
  return { schema: s, nullable };
}

const LONG_NAMES = /reason|comment|note|description|terms/;

function kindOf(name: string, s: JsonSchema): ActionFieldKind {
  const type = Array.isArray(s.type) ? s.type.find((x) => x !== 'null') : s.type;
  if (s['x-keyi-request-key']) return 'request_key';
  if (s['x-keyi-lookup']) return 'record';
  if (s.enum) return 'enum';
  if (type === 'array') return 'list';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'decimal';
  if (s.format === 'date') return 'date';
  if (s.format === 'date-time') return 'datetime';
  if (s.format === 'decimal') return 'decimal';
  return LONG_NAMES.test(name) && !(s.maxLength && s.maxLength <= 200) ? 'long_text' : 'text';
}

function humanize(name: string): string {
  const s = name.replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The form fields of an object schema (the action's input), in declaration order. */
export function actionFields(schema: JsonSchema | null | undefined, root: JsonSchema | null | undefined = schema): ActionField[] {
  if (!schema) return [];
  const top = resolve(schema, root ?? schema).schema;
  const required = new Set(top.required ?? []);
  return Object.entries(top.properties ?? {}).map(([name, raw]) => {
    const { schema: s, nullable } = resolve(raw, root ?? schema);
    const kind = kindOf(name, s);
    const field: ActionField = {
      name,
      label: s.title || raw.title || humanize(name),
      kind,
      required: required.has(name) && !nullable,
      description: s.description,
    };
    if (s.default !== undefined && s.default !== null) field.default = s.default;
    if (kind === 'enum') field.options = (s.enum ?? []).map(String);
    if (kind === 'record') field.target = s['x-keyi-lookup'];
    if (kind === 'list' && s.items) field.item = actionFields(s.items, root ?? schema);
    return field;
  });
}

/**
 * Form values → the JSON body: dates as YYYY-MM-DD, decimals as strings (exact), empty optional
 * values left out. `toDate` turns the date picker's value into a calendar day.
 */
export function actionBody(fields: ActionField[], values: Record<string, unknown>, toDate: (v: unknown) => string | null): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.name];
    if (v === undefined || v === null || v === '') continue;
    if (f.kind === 'date') body[f.name] = toDate(v);
    else if (f.kind === 'datetime') body[f.name] = v instanceof Object && 'toISOString' in v ? (v as { toISOString(): string }).toISOString() : String(v);
    else if (f.kind === 'decimal') body[f.name] = String(v).trim();
    else if (f.kind === 'integer') body[f.name] = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
    else if (f.kind === 'record') body[f.name] = typeof v === 'object' && 'value' in v ? (v as { value: string }).value : String(v);
    else if (f.kind === 'list' && Array.isArray(v)) body[f.name] = v.filter(Boolean).map((item) => actionBody(f.item ?? [], item as Record<string, unknown>, toDate));
    else body[f.name] = v;
  }
  return body;
}

/** The ids an action answered with, first the most specific (`quote_id`, then `…_id`). */
export function returnedRecord(answer: unknown, objectOfKey: (key: string) => string | null): { object: string; id: string } | null {
  if (!answer || typeof answer !== 'object') return null;
  for (const [key, value] of Object.entries(answer as Record<string, unknown>)) {
    if (!key.endsWith('_id') || typeof value !== 'string' || !value) continue;
    const object = objectOfKey(key.slice(0, -3));
    if (object) return { object, id: value };
  }
  return null;
}

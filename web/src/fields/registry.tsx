/**
 * One display and one input component per field type, plus the conversions between
 * record values and form-control values (like Twenty's FieldDisplay/FieldInput).
 */
import dayjs, { type Dayjs } from 'dayjs';
import type { ComponentType, ReactNode } from 'react';
import { Tooltip } from 'antd';
import type { FieldMeta, FieldType, RecordData } from '../api/types';
import { useI18n } from '../i18n';
import { valueType } from '../lib/fields';
import type { FormatSettings } from '../lib/format';
import { wallClockIn, zonedToUtcMs } from '../lib/tz';
import { useFormatSettings } from '../state/session';
import * as D from './display';
import type { DisplayProps } from './display';
import * as I from './inputs';
import type { InputProps } from './inputs';
import type { LookupValue } from './LookupSelect';

export interface FieldTypeSpec {
  Display: (p: DisplayProps) => ReactNode;
  // Each type's input takes its own value type (string, number, Dayjs…); the registry holds them
  // all, and `unknown` would not accept InputProps<string>: `any` is the honest type here.
  Input: ComponentType<InputProps<any>>; // eslint-disable-line @typescript-eslint/no-explicit-any -- see above
  /** record → form-control value */
  toForm: (record: RecordData | null | undefined, field: FieldMeta, fmt: FormatSettings) => unknown;
  /** form-control value → fields of the record to send */
  fromForm: (value: unknown, field: FieldMeta, fmt: FormatSettings) => Record<string, unknown>;
  /** Form.Item valuePropName (Switch uses "checked"). */
  valueProp?: string;
  /** Right-align in tables. */
  numeric?: boolean;
  /** Spans both columns in the two-column form grid. */
  wide?: boolean;
}

const raw = (record: RecordData | null | undefined, field: FieldMeta) => record?.[field.name] ?? null;
const emptyToNull = (v: unknown) => (v === '' || v === undefined ? null : v);
const plainFrom = (v: unknown, field: FieldMeta) => ({ [field.name]: emptyToNull(typeof v === 'string' ? v.trim() || null : v) });

const text = (Display: (p: DisplayProps) => ReactNode): FieldTypeSpec => ({
  Display,
  Input: I.TextInput,
  toForm: raw,
  fromForm: plainFrom,
});

const numberSpec = (Display: (p: DisplayProps) => ReactNode): FieldTypeSpec => ({
  Display,
  Input: I.NumberInput,
  toForm: (r, f) => {
    const v = raw(r, f);
    return v === null ? null : Number(v);
  },
  fromForm: (v, f) => ({ [f.name]: v === null || v === undefined || v === '' ? null : Number(v) }),
  numeric: true,
});

const computed = (Display: (p: DisplayProps) => ReactNode, numeric = false): FieldTypeSpec => ({
  Display,
  Input: I.ComputedInput,
  toForm: raw,
  fromForm: () => ({}),
  numeric,
});

/** Dates travel as 'YYYY-MM-DD'; the picker works with Dayjs. */
export function dateToForm(v: unknown): Dayjs | null {
  if (!v) return null;
  const d = dayjs(String(v).slice(0, 10), 'YYYY-MM-DD');
  return d.isValid() ? d : null;
}
export function dateFromForm(v: unknown): string | null {
  if (!v) return null;
  return (v as Dayjs).format('YYYY-MM-DD');
}
/** Date-times travel as ISO UTC; the picker shows the wall clock of the tenant zone. */
export function dateTimeToForm(v: unknown, timeZone: string): Dayjs | null {
  if (!v) return null;
  const ms = new Date(String(v)).getTime();
  if (Number.isNaN(ms)) return null;
  const w = wallClockIn(ms, timeZone);
  return dayjs(new Date(w.year, w.month - 1, w.day, w.hour, w.minute, w.second));
}
export function dateTimeFromForm(v: unknown, timeZone: string): string | null {
  if (!v) return null;
  const d = v as Dayjs;
  const ms = zonedToUtcMs(
    { year: d.year(), month: d.month() + 1, day: d.date(), hour: d.hour(), minute: d.minute(), second: d.second() },
    timeZone,
  );
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const referenceSpec = (Display: (p: DisplayProps) => ReactNode): FieldTypeSpec => ({
  Display,
  Input: I.ReferenceInput,
  toForm: (r, f): LookupValue | null => {
    const id = raw(r, f);
    if (id === null || id === '') return null;
    return { value: String(id), label: r?._display?.[f.name] ?? String(id) };
  },
  fromForm: (v, f) => ({ [f.name]: v ? (v as LookupValue).value : null }),
});

function FormulaDisplay(props: DisplayProps) {
  const rt = valueType(props.field);
  const spec = rt !== 'formula' ? FIELD_REGISTRY[rt] : undefined;
  const Display = spec && rt !== props.field.type ? spec.Display : D.TextDisplay;
  const node = <Display {...props} />;
  return props.compact || !props.field.expression ? node : <Tooltip title={props.field.expression}>{node}</Tooltip>;
}

export const FIELD_REGISTRY: Record<FieldType, FieldTypeSpec> = {
  text: text(D.TextDisplay),
  long_text: { Display: D.LongTextDisplay, Input: I.LongTextInput, toForm: raw, fromForm: plainFrom, wide: true },
  email: text(D.EmailDisplay),
  phone: text(D.PhoneDisplay),
  url: text(D.UrlDisplay),
  integer: numberSpec(D.IntegerDisplay),
  decimal: numberSpec(D.DecimalDisplay),
  percent: numberSpec(D.PercentDisplay),
  currency: {
    Display: D.CurrencyDisplay,
    Input: I.CurrencyInput,
    toForm: (r, f, fmt): I.CurrencyValue => {
      const v = raw(r, f);
      return {
        amount: v === null ? null : Number(v),
        currency: (r?.[`${f.name}_currency`] as string | undefined) || fmt.currency,
      };
    },
    fromForm: (v, f) => {
      const c = (v as I.CurrencyValue | null) ?? { amount: null, currency: null };
      const out: Record<string, unknown> = { [f.name]: c.amount === null || c.amount === undefined ? null : Number(c.amount) };
      if (c.currency) out[`${f.name}_currency`] = c.currency;
      return out;
    },
    numeric: true,
  },
  boolean: {
    Display: D.BooleanDisplay,
    Input: I.BooleanInput,
    toForm: (r, f) => raw(r, f) === true,
    fromForm: (v, f) => ({ [f.name]: !!v }),
    valueProp: 'checked',
  },
  date: {
    Display: D.DateDisplay,
    Input: I.DateInput,
    toForm: (r, f) => dateToForm(raw(r, f)),
    fromForm: (v, f) => ({ [f.name]: dateFromForm(v) }),
  },
  datetime: {
    Display: D.DateTimeDisplay,
    Input: I.DateTimeInput,
    toForm: (r, f, fmt) => dateTimeToForm(raw(r, f), fmt.timeZone),
    fromForm: (v, f, fmt) => ({ [f.name]: dateTimeFromForm(v, fmt.timeZone) }),
  },
  picklist: { Display: D.PicklistDisplay, Input: I.PicklistInput, toForm: raw, fromForm: (v, f) => ({ [f.name]: emptyToNull(v) }) },
  multi_picklist: {
    Display: D.MultiPicklistDisplay,
    Input: I.MultiPicklistInput,
    toForm: (r, f) => {
      const v = raw(r, f);
      return Array.isArray(v) ? v : v ? String(v).split(';') : [];
    },
    fromForm: (v, f) => ({ [f.name]: Array.isArray(v) ? v : [] }),
  },
  lookup: referenceSpec(D.LookupDisplay),
  master_detail: referenceSpec(D.LookupDisplay),
  owner: referenceSpec(D.OwnerDisplay),
  auto_number: computed(D.AutoNumberDisplay),
  formula: computed(FormulaDisplay),
  rollup: computed(D.RollupDisplay, true),
};

/** A package's JSON document (edited by the package's own screen): shown as indented JSON. */
const JSON_SPEC: FieldTypeSpec = {
  ...FIELD_REGISTRY.long_text,
  Display: ({ value, compact }) =>
    value === null || value === undefined ? (
      <D.Empty />
    ) : compact ? (
      <span className="ky-clamp">{JSON.stringify(value)}</span>
    ) : (
      <pre className="ky-prewrap">{JSON.stringify(value, null, 2)}</pre>
    ),
  toForm: (r, f) => (r?.[f.name] === null || r?.[f.name] === undefined ? null : JSON.stringify(r[f.name], null, 2)),
  fromForm: (v, f) => {
    if (v === null || v === undefined || v === '') return { [f.name]: null };
    try {
      return { [f.name]: JSON.parse(String(v)) as unknown };
    } catch {
      return { [f.name]: v };
    }
  },
};

export function specFor(field: FieldMeta): FieldTypeSpec {
  if (field.type === 'version') return FIELD_REGISTRY.integer;
  if (field.type === 'json') return JSON_SPEC;
  // A text field whose allowed values the server lists (a pool's object: an object's API name)
  // is chosen from them, never typed: free text there was accepted and led nowhere.
  if (field.type === 'text' && field.options?.length) return FIELD_REGISTRY.picklist;
  return FIELD_REGISTRY[field.type as FieldType] ?? FIELD_REGISTRY.text;
}

/** Renders a record's field with the display component of its type. */
export function FieldDisplay({ field, record, compact, plain }: { field: FieldMeta; record: RecordData; compact?: boolean; plain?: boolean }) {
  const { lang } = useI18n();
  const fmt = useFormatSettings();
  const { Display } = specFor(field);
  return <Display field={field} value={record[field.name]} record={record} fmt={fmt} lang={lang} compact={compact} plain={plain} />;
}

/** Renders the input component of the field's type. */
export function FieldInput(props: InputProps<unknown>) {
  const { Input } = specFor(props.field);
  return <Input {...props} />;
}

/** Numeric columns are right-aligned. */
export function isNumericField(field: FieldMeta): boolean {
  const t = valueType(field);
  return !!FIELD_REGISTRY[t]?.numeric;
}

/**
 * How a report's keys and values read: group keys in the reader's language (picklist option
 * labels from the object's metadata, record titles for references, date buckets as 2026-03,
 * 2026 Q1 or FY2026 Q1) and values as numbers, money in the tenant's currency, or percents.
 *
 * Shared by the report screens and the charts; loaded only with them.
 */
import '../i18n/reports';
import type { Lang, ObjectMeta } from '../api/types';
import { translate } from '../i18n';
import { optionLabel } from '../fields/text';
import { resolvePath } from '../lib/fields';
import {
  formatCompactCurrency,
  formatCompactNumber,
  formatCurrency,
  formatDate,
  formatDateTime,
  formatInteger,
  formatNumber,
  formatPercent,
  toNumber,
  type FormatSettings,
} from '../lib/format';
import type { Bucket, ResultColumn } from '../reports/api';

/** The text of one group key's value (a key of `result.columns`). */
export type KeyLabeller = (column: ResultColumn | undefined, value: unknown) => string;

const REFERENCE_TYPES = new Set(['lookup', 'master_detail', 'owner']);
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})/;

/**
 * The fiscal year and quarter a fiscal bucket's start date belongs to. A fiscal year is named
 * by the calendar year it starts in (as the server's relative dates name it): with April as the
 * start month, 2026-04-01 begins FY2026 Q1 and 2027-01-01 begins FY2026 Q4.
 */
export function fiscalPeriod(year: number, month: number, startMonth: number): { year: number; quarter: number } {
  const offset = (month - startMonth + 12) % 12;
  return { year: month >= startMonth ? year : year - 1, quarter: Math.floor(offset / 3) + 1 };
}

/** A date bucket's label from its start day ('YYYY-MM-DD', as the server writes bucket keys). */
export function bucketLabel(value: string, bucket: Bucket, lang: Lang, fiscalStartMonth = 1): string {
  const m = ISO_DAY.exec(value);
  if (!m) return value;
  const year = Number(m[1]);
  const month = Number(m[2]);
  switch (bucket) {
    case 'day':
      return `${m[1]}-${m[2]}-${m[3]}`;
    case 'week':
      return translate(lang, 'reports.bucket.weekOf', { day: `${m[1]}-${m[2]}-${m[3]}` });
    case 'month':
      return `${m[1]}-${m[2]}`;
    case 'quarter':
      return translate(lang, 'reports.bucket.quarterOf', { year, quarter: Math.floor((month - 1) / 3) + 1 });
    case 'year':
      return translate(lang, 'reports.bucket.yearOf', { year });
    case 'fiscal_quarter': {
      const p = fiscalPeriod(year, month, fiscalStartMonth);
      return translate(lang, 'reports.bucket.fiscalQuarterOf', { year: p.year, quarter: p.quarter });
    }
    case 'fiscal_year':
      // The key is the fiscal year's first day: its calendar year names it.
      return translate(lang, 'reports.bucket.fiscalYearOf', { year });
    default:
      return value;
  }
}

export interface KeyLabelContext {
  lang: Lang;
  fmt: FormatSettings;
  /** Every object the reader sees (a grouping may be a lookup path into another object). */
  objects: ObjectMeta[];
  /** The report's object. */
  object: string;
  fiscalStartMonth: number;
  /** Titles of the records reference keys name (id → title); the id shows until it is known. */
  titles?: Map<string, string>;
}

/** Labels for a result's group keys, in the reader's language. */
export function makeKeyLabeller(ctx: KeyLabelContext): KeyLabeller {
  const obj = ctx.objects.find((o) => o.name === ctx.object);
  return (column, value) => {
    if (value === null || value === undefined || value === '') return translate(ctx.lang, 'reports.empty');
    if (!column) return String(value);
    if (column.bucket) return bucketLabel(String(value), column.bucket, ctx.lang, ctx.fiscalStartMonth);
    const type = column.type ?? '';
    if (column.target || REFERENCE_TYPES.has(type)) return ctx.titles?.get(String(value)) ?? String(value);
    if (type === 'boolean') return translate(ctx.lang, value === true || value === 'true' ? 'field.yes' : 'field.no');
    if (type === 'picklist') {
      const field = obj ? resolvePath(ctx.objects, obj, column.key) : undefined;
      return field ? optionLabel(field, value, ctx.lang) : String(value);
    }
    if (type === 'date') return formatDate(value, ctx.fmt);
    if (type === 'datetime') return formatDateTime(value, ctx.fmt);
    if (type === 'currency') return formatCurrency(value, ctx.fmt);
    if (type === 'integer') return formatInteger(value, ctx.fmt);
    if (type === 'decimal' || type === 'percent') return formatNumber(value, ctx.fmt);
    return String(value);
  };
}

/** A grouping's heading: the server's label (`Account › Province`) and its date bucket. */
export function groupingLabel(column: ResultColumn, lang: Lang): string {
  const name = column.label || column.key;
  return column.bucket ? translate(lang, 'reports.groupingWithBucket', { name, bucket: translate(lang, `reports.bucket.${column.bucket}`) }) : name;
}

/** A value's heading: `Sum of Amount`, `Record count`, `Amount: % of total`. */
export function measureLabel(column: ResultColumn | undefined, name: string, lang: Lang): string {
  if (!column) return name;
  const base =
    column.op === 'count' && !column.field
      ? translate(lang, 'reports.value.count')
      : translate(lang, `reports.value.${column.op ?? 'count'}`, { field: column.field_label || column.field || '' });
  return name.startsWith('percent_') ? translate(lang, 'reports.value.percent', { value: base }) : base;
}

/** What kind of number a value is, for its formatting. */
export type ValueKind = 'count' | 'money' | 'percent' | 'number' | 'date' | 'datetime' | 'text';

/** The aggregate column a value name belongs to (`sum_amount`, or its `percent_sum_amount`). */
export function valueColumn(columns: ResultColumn[], name: string): ResultColumn | undefined {
  const base = name.startsWith('percent_') ? name.slice('percent_'.length) : name;
  return columns.find((c) => c.kind === 'aggregate' && c.key === base);
}

export function valueKind(column: ResultColumn | undefined, name: string): ValueKind {
  if (name.startsWith('percent_')) return 'percent';
  if (!column || column.op === 'count' || column.op === 'count_distinct') return 'count';
  switch (column.type) {
    case 'currency':
      return 'money';
    case 'percent':
      return 'percent';
    case 'date':
      return 'date';
    case 'datetime':
      return 'datetime';
    case 'integer':
    case 'decimal':
    case 'rollup':
    case 'formula':
      return 'number';
    default:
      return typeof column.type === 'string' && column.type !== '' ? 'text' : 'number';
  }
}

/**
 * One value as the reader reads it: counts as integers, money in `currency` (the tenant's),
 * shares and percent fields with a % sign, averages to two places.
 */
export function formatReportValue(kind: ValueKind, value: unknown, fmt: FormatSettings, currency: string = fmt.currency): string {
  if (value === null || value === undefined || value === '') return '—';
  switch (kind) {
    case 'count':
      return formatInteger(value, fmt);
    case 'money':
      return formatCurrency(value, fmt, currency, 2);
    case 'percent':
      return formatPercent(value, fmt, 2);
    case 'date':
      return formatDate(value, fmt);
    case 'datetime':
      return formatDateTime(value, fmt);
    case 'number': {
      const n = toNumber(value);
      return n === null ? String(value) : formatNumber(Math.round(n * 100) / 100, fmt);
    }
    default:
      return String(value);
  }
}

/** Axis ticks: short (万/M) amounts and counts. */
export function formatAxisValue(kind: ValueKind, value: unknown, fmt: FormatSettings, currency: string = fmt.currency): string {
  if (kind === 'money') return formatCompactCurrency(value, fmt, currency);
  if (kind === 'percent') return `${formatCompactNumber(value, fmt)}%`;
  return formatCompactNumber(value, fmt);
}

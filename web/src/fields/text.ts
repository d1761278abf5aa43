/** Plain-text rendering of field values (cards, headers, history, tests). */
import type { FieldMeta, FieldType, Lang, PicklistOption, RecordData } from '../api/types';
import { pickLabel, translate } from '../i18n';
import { valueType } from '../lib/fields';
import {
  formatCurrency,
  formatDate,
  formatDateTime,
  formatInteger,
  formatNumber,
  formatPercent,
  type FormatSettings,
} from '../lib/format';

export function optionFor(field: FieldMeta, value: unknown): PicklistOption | undefined {
  return field.options?.find((o) => o.value === value);
}

export function optionLabel(field: FieldMeta, value: unknown, lang: Lang): string {
  const o = optionFor(field, value);
  return o ? pickLabel(o.labels, lang, String(o.value)) : String(value);
}

/** Text of a raw value of the given type (no record context). */
export function formatValue(
  type: FieldType,
  field: FieldMeta,
  value: unknown,
  fmt: FormatSettings,
  lang: Lang,
  extra?: { currency?: string | null; title?: string | null },
): string {
  if (value === null || value === undefined || value === '') return '';
  switch (type) {
    case 'integer':
      return formatInteger(value, fmt);
    case 'decimal':
    case 'rollup':
      return formatNumber(value, fmt, field.scale);
    case 'currency':
      return formatCurrency(value, fmt, extra?.currency, field.scale ?? 2);
    case 'percent':
      return formatPercent(value, fmt, field.scale);
    case 'boolean':
      return translate(lang, value === true || value === 'true' ? 'field.yes' : 'field.no');
    case 'date':
      return formatDate(value, fmt);
    case 'datetime':
      return formatDateTime(value, fmt);
    case 'picklist':
      return optionLabel(field, value, lang);
    case 'multi_picklist': {
      const list = Array.isArray(value) ? value : String(value).split(';');
      return list.map((v) => optionLabel(field, v, lang)).join(', ');
    }
    case 'lookup':
    case 'master_detail':
    case 'owner':
      return extra?.title ?? String(value);
    default:
      return String(value);
  }
}

/** Text of a record's field, using `_display` titles and `<field>_currency`. */
export function displayText(field: FieldMeta, record: RecordData, fmt: FormatSettings, lang: Lang): string {
  const t = valueType(field);
  const value = record[field.name];
  return formatValue(t, field, value, fmt, lang, {
    currency: (record[`${field.name}_currency`] as string | undefined) ?? null,
    title: record._display?.[field.name] ?? null,
  });
}

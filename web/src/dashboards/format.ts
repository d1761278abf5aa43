/**
 * Words and numbers of a widget: a value formatted by what it measures (money in the tenant's
 * currency, counts as integers, shares as percent), a group key by its field (option labels in
 * the reader's language, date buckets as periods), an aggregate's label, a widget's title.
 */
import type { FieldMeta, Lang, ObjectMeta } from '../api/types';
import { optionLabel } from '../fields/text';
import { pickLabel, type MessageKey, type TFunction } from '../i18n';
import { formatCurrency, formatInteger, formatNumber, formatPercent, type FormatSettings } from '../lib/format';
import type { Label, ResultColumn, Widget, WidgetRun } from './api';

/** A label in the reader's language: plain text as it is, texts by language picked. */
export function labelText(value: Label | null | undefined, lang: Lang): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return pickLabel(value, lang) || (value as Record<string, string>)[''] || '';
}

const MONEY_TYPES = new Set(['currency']);
const COUNT_OPS = new Set(['count', 'count_distinct']);

/** A value of the answer: `column` is the aggregate it belongs to (`percent_…`: its share). */
export function formatValue(value: unknown, column: ResultColumn | undefined, fmt: FormatSettings, share = false): string {
  if (value === null || value === undefined || value === '') return '—';
  if (share) return formatPercent(value, fmt, 2);
  if (!column) return formatNumber(value, fmt);
  if (column.op && COUNT_OPS.has(column.op)) return formatInteger(value, fmt);
  if (column.type && MONEY_TYPES.has(column.type)) return formatCurrency(value, fmt);
  if (column.type === 'percent') return formatPercent(value, fmt);
  if (column.type === 'integer' && column.op !== 'avg') return formatInteger(value, fmt);
  return formatNumber(value, fmt, column.op === 'avg' ? 2 : undefined);
}

/** "Sum of Amount", "Count" — an aggregate column's header. */
export function aggregateLabel(column: ResultColumn, t: TFunction): string {
  const op = column.op ?? 'count';
  if (!column.field) return t('dashboards.op.count');
  return t(`dashboards.op.${op}` as MessageKey, { field: column.field_label ?? column.field });
}

/** The field a (possibly dotted) path names, through lookups: `account.province`. */
export function resolvePath(object: string, path: string, getObject: (name: string) => ObjectMeta | undefined): FieldMeta | undefined {
  let current = getObject(object);
  let field: FieldMeta | undefined;
  for (const part of path.split('.')) {
    field = current?.fields.find((f) => f.name === part);
    if (!field) return undefined;
    current = field.target ? getObject(field.target) : undefined;
  }
  return field;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date bucket's key (its first day) as the period it stands for. */
export function bucketLabel(value: string, bucket: string | null | undefined): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!m || !bucket) return value;
  const [year, month] = [Number(m[1]), Number(m[2])];
  switch (bucket) {
    case 'month':
      return `${m[1]}-${m[2]}`;
    case 'quarter':
      return `${m[1]} Q${Math.floor((month - 1) / 3) + 1}`;
    case 'year':
      return m[1];
    case 'fiscal_year':
      return `FY${m[1]}`;
    case 'fiscal_quarter': {
      // The quarter's months: which quarter of its fiscal year it is depends on a setting this
      // screen does not need to know.
      const end = year * 12 + month - 1 + 2;
      return `${m[1]}-${m[2]} – ${Math.floor(end / 12)}-${pad((end % 12) + 1)}`;
    }
    default:
      return `${m[1]}-${m[2]}-${m[3]}`;
  }
}

/** A group key's text: option labels, record titles (when known), periods, or the value. */
export function keyLabel(
  column: ResultColumn,
  value: unknown,
  ctx: { lang: Lang; t: TFunction; field?: FieldMeta; titles?: Map<string, string> },
): string {
  if (value === null || value === undefined || value === '') return ctx.t('common.empty');
  if (typeof value === 'boolean') return ctx.t(value ? 'common.yes' : 'common.no');
  if (column.bucket) return bucketLabel(String(value), column.bucket);
  if (ctx.field?.options?.length) return optionLabel(ctx.field, value, ctx.lang);
  if (column.target && ctx.titles) return ctx.titles.get(String(value)) ?? String(value);
  return String(value);
}

/** What a widget is called: its own title, else its report's name, else what it measures. */
export function widgetTitle(widget: Widget, run: WidgetRun | undefined, lang: Lang, t: TFunction, reportName?: Label | null): string {
  const own = labelText(widget.title, lang);
  if (own) return own;
  const report = labelText(run?.report?.name ?? reportName, lang);
  if (report) return report;
  if (widget.kind === 'target' && widget.metric) return t('dashboards.target.title', { metric: t(`dashboards.metric.${widget.metric}` as MessageKey) });
  return t(`dashboards.kind.${widget.kind}` as MessageKey);
}

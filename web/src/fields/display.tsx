import { CheckCircleFilled, ExportOutlined, MinusCircleOutlined } from '@ant-design/icons';
import { Space, Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import type { FieldMeta, FieldType, Lang, RecordData } from '../api/types';
import { pickLabel } from '../i18n';
import type { FormatSettings } from '../lib/format';
import { optionFor, formatValue } from './text';

export interface DisplayProps {
  field: FieldMeta;
  value: unknown;
  record?: RecordData;
  fmt: FormatSettings;
  lang: Lang;
  /** Table cell / card: single line, clamp long text. */
  compact?: boolean;
  /** No links (inside another link, e.g. a mobile card). */
  plain?: boolean;
}

const stop = (e: React.MouseEvent) => e.stopPropagation();

export function Empty() {
  return <span className="ky-empty">—</span>;
}

function isEmpty(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0);
}

function plain(type: FieldType) {
  return function PlainDisplay({ field, value, record, fmt, lang }: DisplayProps) {
    if (isEmpty(value)) return <Empty />;
    return (
      <span className={type === 'auto_number' ? 'ky-mono' : undefined}>
        {formatValue(type, field, value, fmt, lang, { title: record?._display?.[field.name] ?? null })}
      </span>
    );
  };
}

function numeric(type: FieldType) {
  return function NumberDisplay({ field, value, record, fmt, lang }: DisplayProps) {
    if (isEmpty(value)) return <Empty />;
    const currency = type === 'currency' ? ((record?.[`${field.name}_currency`] as string | undefined) ?? null) : null;
    return <span className="ky-num">{formatValue(type, field, value, fmt, lang, { currency })}</span>;
  };
}

export const TextDisplay = plain('text');
export const AutoNumberDisplay = plain('auto_number');
export const IntegerDisplay = numeric('integer');
export const DecimalDisplay = numeric('decimal');
export const CurrencyDisplay = numeric('currency');
export const PercentDisplay = numeric('percent');
export const RollupDisplay = numeric('rollup');
export const DateDisplay = plain('date');
export const DateTimeDisplay = plain('datetime');

export function LongTextDisplay({ value, compact }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  if (compact) return <span className="ky-clamp">{String(value)}</span>;
  return <div className="ky-prewrap">{String(value)}</div>;
}

export function EmailDisplay({ value, plain }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  if (plain) return <span>{String(value)}</span>;
  return (
    <a href={`mailto:${String(value)}`} onClick={stop}>
      {String(value)}
    </a>
  );
}

export function PhoneDisplay({ value, plain }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  if (plain) return <span>{String(value)}</span>;
  return (
    <a href={`tel:${String(value).replace(/[^\d+]/g, '')}`} onClick={stop}>
      {String(value)}
    </a>
  );
}

export function UrlDisplay({ value, plain }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  const href = String(value);
  if (plain) return <span>{href.replace(/^https?:\/\//i, '')}</span>;
  const safe = /^https?:\/\//i.test(href) ? href : `https://${href}`;
  return (
    <a href={safe} target="_blank" rel="noopener noreferrer" onClick={stop}>
      {href.replace(/^https?:\/\//i, '')} <ExportOutlined className="ky-link-icon" />
    </a>
  );
}

export function BooleanDisplay({ value, fmt, lang, field }: DisplayProps) {
  const on = value === true || value === 'true';
  const label = formatValue('boolean', field, on, fmt, lang);
  return on ? (
    <span className="ky-bool ky-bool-on" aria-label={label}>
      <CheckCircleFilled /> {label}
    </span>
  ) : (
    <span className="ky-bool ky-bool-off" aria-label={label}>
      <MinusCircleOutlined /> {label}
    </span>
  );
}

const PALETTE = ['blue', 'green', 'gold', 'purple', 'cyan', 'magenta', 'orange', 'geekblue', 'lime', 'volcano'];
/** Colour of a picklist option: its own, or a stable one from its position. */
export function optionColor(field: FieldMeta, value: unknown): string {
  const o = optionFor(field, value);
  if (o?.color) return o.color;
  const idx = field.options?.findIndex((x) => x.value === value) ?? -1;
  return idx >= 0 ? PALETTE[idx % PALETTE.length] : 'default';
}

export function PicklistDisplay({ field, value, lang }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  const o = optionFor(field, value);
  return (
    <Tag color={optionColor(field, value)} bordered={false} className="ky-tag">
      {o ? pickLabel(o.labels, lang, String(value)) : String(value)}
    </Tag>
  );
}

export function MultiPicklistDisplay({ field, value, lang }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  const list = Array.isArray(value) ? value : String(value).split(';');
  return (
    <Space size={[4, 4]} wrap>
      {list.map((v) => {
        const o = optionFor(field, v);
        return (
          <Tag key={String(v)} color={optionColor(field, v)} bordered={false} className="ky-tag">
            {o ? pickLabel(o.labels, lang, String(v)) : String(v)}
          </Tag>
        );
      })}
    </Space>
  );
}

export function LookupDisplay({ field, value, record, plain }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  const title = record?._display?.[field.name] ?? String(value);
  if (plain || !field.target || field.target === 'user') return <span className={plain ? 'ky-ref' : undefined}>{title}</span>;
  return (
    <Link to={`/o/${field.target}/${encodeURIComponent(String(value))}`} onClick={stop} className="ky-ref">
      {title}
    </Link>
  );
}

export function initials(name: string): string {
  const s = name.trim();
  if (!s) return '?';
  if (/[\u4e00-\u9fff]/.test(s)) return s.length > 2 ? s.slice(-2) : s;
  const parts = s.split(/\s+/);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

/**
 * A person's initials in a circle and their name. Not antd's Avatar, which measures its text in
 * a layout effect: fifty owner cells forced fifty synchronous layouts while a list first rendered.
 */
export function UserChip({ name, size = 20 }: { name: string; size?: number }) {
  return (
    <span className="ky-user">
      <span className="ky-user-avatar" style={{ width: size, height: size, fontSize: size <= 20 ? 9 : 11 }} aria-hidden>
        {initials(name)}
      </span>
      <span>{name}</span>
    </span>
  );
}

export function OwnerDisplay({ field, value, record }: DisplayProps) {
  if (isEmpty(value)) return <Empty />;
  const title = record?._display?.[field.name] ?? String(value);
  return <UserChip name={title} />;
}

export function MutedText({ children }: { children: ReactNode }) {
  return <Typography.Text type="secondary">{children}</Typography.Text>;
}

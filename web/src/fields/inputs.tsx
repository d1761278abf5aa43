import { DatePicker, Input, InputNumber, Select, Space, Switch } from 'antd';
import type { Dayjs } from 'dayjs';
import type { FieldMeta, RecordData } from '../api/types';
import { useI18n } from '../i18n';
import { useFormatSettings } from '../state/session';
import { optionColor } from './display';
import { LookupSelect, type LookupValue } from './LookupSelect';
import { useNumberGuard } from './numberGuard';

export interface InputProps<V = unknown> {
  field: FieldMeta;
  value?: V;
  onChange?: (value: V) => void;
  disabled?: boolean;
  id?: string;
  /** The record being edited (for lookup titles etc.). */
  record?: RecordData | null;
  placeholder?: string;
  autoFocus?: boolean;
}

export function TextInput({ field, value, onChange, disabled, id, placeholder, autoFocus }: InputProps<string | null>) {
  const type = field.type === 'email' ? 'email' : field.type === 'phone' ? 'tel' : field.type === 'url' ? 'url' : 'text';
  return (
    <Input
      id={id}
      type={type}
      value={(value as string | null) ?? ''}
      onChange={(e) => onChange?.(e.target.value)}
      disabled={disabled}
      maxLength={field.max_length ?? undefined}
      placeholder={placeholder ?? (field.type === 'url' ? 'https://' : undefined)}
      autoFocus={autoFocus}
      allowClear={!field.required}
      inputMode={field.type === 'phone' ? 'tel' : field.type === 'email' ? 'email' : undefined}
    />
  );
}

export function LongTextInput({ field, value, onChange, disabled, id, placeholder }: InputProps<string | null>) {
  return (
    <Input.TextArea
      id={id}
      value={(value as string | null) ?? ''}
      onChange={(e) => onChange?.(e.target.value)}
      disabled={disabled}
      maxLength={field.max_length ?? undefined}
      autoSize={{ minRows: 3, maxRows: 10 }}
      placeholder={placeholder}
    />
  );
}

export function NumberInput({ field, value, onChange, disabled, id }: InputProps<number | null>) {
  const { lang } = useI18n();
  const guard = useNumberGuard();
  const precision = field.type === 'integer' ? 0 : (field.scale ?? undefined);
  const input = (
    <InputNumber<number>
      id={id}
      className="ky-fullwidth"
      value={value ?? null}
      onChange={(v) => onChange?.(v ?? null)}
      disabled={disabled}
      precision={precision}
      decimalSeparator={lang === 'en' ? '.' : undefined}
      inputMode={field.type === 'integer' ? 'numeric' : 'decimal'}
      {...guard.inputProps}
    />
  );
  if (field.type !== 'percent')
    return (
      <>
        {input}
        {guard.message}
      </>
    );
  return (
    <>
      <Space.Compact className="ky-fullwidth">
        {input}
        <Space.Addon>%</Space.Addon>
      </Space.Compact>
      {guard.message}
    </>
  );
}

export interface CurrencyValue {
  amount: number | null;
  currency: string | null;
}

export const COMMON_CURRENCIES = ['CNY', 'USD', 'EUR', 'HKD', 'JPY', 'GBP', 'SGD', 'TWD', 'KRW', 'AUD', 'CAD', 'CHF'];

export function CurrencyInput({ field, value, onChange, disabled, id }: InputProps<CurrencyValue | null>) {
  const fmt = useFormatSettings();
  const guard = useNumberGuard();
  const current: CurrencyValue = value ?? { amount: null, currency: fmt.currency };
  const codes = Array.from(new Set([fmt.currency, ...(current.currency ? [current.currency] : []), ...COMMON_CURRENCIES]));
  return (
    <>
    <Space.Compact className="ky-fullwidth">
      <Select
        aria-label="currency"
        className="ky-currency-code"
        value={current.currency ?? fmt.currency}
        onChange={(c) => onChange?.({ ...current, currency: c })}
        disabled={disabled}
        options={codes.map((c) => ({ value: c, label: c }))}
        popupMatchSelectWidth={false}
      />
      <InputNumber<number>
        id={id}
        className="ky-fullwidth"
        value={current.amount}
        onChange={(v) => onChange?.({ ...current, amount: v ?? null })}
        disabled={disabled}
        precision={field.scale ?? 2}
        inputMode="decimal"
        {...guard.inputProps}
      />
    </Space.Compact>
    {guard.message}
    </>
  );
}

export function BooleanInput({ value, onChange, disabled, id }: InputProps<boolean>) {
  const { t } = useI18n();
  return (
    <Switch
      id={id}
      checked={!!value}
      onChange={(v) => onChange?.(v)}
      disabled={disabled}
      checkedChildren={t('field.yes')}
      unCheckedChildren={t('field.no')}
    />
  );
}

export function DateInput({ value, onChange, disabled, id }: InputProps<Dayjs | null>) {
  const { t } = useI18n();
  return (
    <DatePicker
      id={id}
      className="ky-fullwidth"
      value={value ?? null}
      onChange={(v) => onChange?.(v ?? null)}
      disabled={disabled}
      placeholder={t('field.datePlaceholder')}
      format="YYYY-MM-DD"
    />
  );
}

export function DateTimeInput({ value, onChange, disabled, id }: InputProps<Dayjs | null>) {
  const { t } = useI18n();
  return (
    <DatePicker
      id={id}
      className="ky-fullwidth"
      showTime={{ format: 'HH:mm' }}
      format="YYYY-MM-DD HH:mm"
      value={value ?? null}
      onChange={(v) => onChange?.(v ?? null)}
      disabled={disabled}
      placeholder={t('field.datetimePlaceholder')}
    />
  );
}

function optionItems(field: FieldMeta, label: (l: FieldMeta['labels'], f?: string) => string) {
  return (field.options ?? []).map((o) => ({
    value: o.value,
    label: (
      <span className="ky-option">
        <span className={`ky-dot ky-dot-${optionColor(field, o.value)}`} />
        {label(o.labels, o.value)}
      </span>
    ),
    text: label(o.labels, o.value),
  }));
}

export function PicklistInput({ field, value, onChange, disabled, id }: InputProps<string | null>) {
  const { t, label } = useI18n();
  return (
    <Select
      id={id}
      className="ky-fullwidth"
      value={value ?? undefined}
      onChange={(v) => onChange?.(v ?? null)}
      disabled={disabled}
      allowClear={!field.required}
      showSearch
      optionFilterProp="text"
      placeholder={t('field.selectPlaceholder')}
      options={optionItems(field, label)}
    />
  );
}

export function MultiPicklistInput({ field, value, onChange, disabled, id }: InputProps<string[] | null>) {
  const { t, label } = useI18n();
  return (
    <Select
      id={id}
      mode="multiple"
      className="ky-fullwidth"
      value={value ?? []}
      onChange={(v) => onChange?.(v)}
      disabled={disabled}
      allowClear
      optionFilterProp="text"
      placeholder={t('field.selectPlaceholder')}
      options={optionItems(field, label)}
    />
  );
}

export function ReferenceInput({ field, value, onChange, disabled, id }: InputProps<LookupValue | null>) {
  return <LookupSelect id={id} target={field.target ?? ''} value={value ?? null} onChange={(v) => onChange?.(v)} disabled={disabled} allowClear={!field.required} />;
}

export function ComputedInput({ field }: InputProps) {
  const { t } = useI18n();
  return <Input disabled placeholder={field.type === 'auto_number' ? t('field.auto') : t('field.computed')} />;
}

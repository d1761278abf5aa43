import { Select, Spin } from 'antd';
import { useCallback } from 'react';
import { api } from '../api/endpoints';
import type { RecordData } from '../api/types';
import { useI18n } from '../i18n';
import { useMetadata } from '../state/metadata';
import { useTypeahead } from '../lib/useTypeahead';

/** A reference value in a form: the id and the title shown. */
export interface LookupValue {
  value: string;
  label: string;
}

interface Props {
  target: string;
  value: LookupValue | LookupValue[] | null;
  onChange: (v: LookupValue | null) => void;
  onChangeMany?: (v: LookupValue[]) => void;
  multiple?: boolean;
  disabled?: boolean;
  allowClear?: boolean;
  id?: string;
  placeholder?: string;
  className?: string;
}

function titleOf(rec: RecordData, nameField: string): string {
  const v = rec[nameField] ?? rec.name ?? rec.email ?? rec.id;
  return v === null || v === undefined ? String(rec.id) : String(v);
}

/** Type-ahead select over the target object, searching with `q`. */
export function LookupSelect({ target, value, onChange, onChangeMany, multiple, disabled, allowClear, id, placeholder, className }: Props) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const targetMeta = getObject(target);
  const nameField = targetMeta?.name_field ?? 'name';
  const search = useCallback(
    async (q: string, signal: AbortSignal) => {
      const page = await api.list(target, { q: q || undefined, limit: 20, fields: targetMeta ? [nameField] : undefined }, signal);
      return page.records.map((r) => ({ value: String(r.id), label: titleOf(r, nameField) }));
    },
    [target, nameField, targetMeta],
  );
  const { options, loading, onSearch, onOpenChange } = useTypeahead<LookupValue>(search);

  const selected = value ? (Array.isArray(value) ? value : [value]) : [];
  const merged = [...selected.filter((s) => !options.some((o) => o.value === s.value)), ...options];

  return (
    <Select<LookupValue | LookupValue[]>
      id={id}
      className={className ?? 'ky-fullwidth'}
      showSearch
      labelInValue
      mode={multiple ? 'multiple' : undefined}
      filterOption={false}
      value={multiple ? selected : (selected[0] ?? undefined)}
      onSearch={onSearch}
      onOpenChange={onOpenChange}
      onChange={(v) => {
        if (multiple) onChangeMany?.((v as LookupValue[] | undefined) ?? []);
        else {
          const one = (v as LookupValue | undefined) ?? null;
          onChange(one ? { value: String(one.value), label: String(one.label) } : null);
        }
      }}
      disabled={disabled}
      allowClear={allowClear}
      placeholder={placeholder ?? t('field.searchPlaceholder')}
      notFoundContent={loading ? <Spin size="small" /> : t('field.noMatches')}
      options={merged}
    />
  );
}

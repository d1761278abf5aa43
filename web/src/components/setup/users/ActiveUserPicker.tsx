import { Select, Spin } from 'antd';
import { useCallback } from 'react';
import { useI18n } from '../../../i18n';
import { usersApi, type PickedRef } from '../../../lib/users';
import { useTypeahead } from '../../../lib/useTypeahead';

interface Props {
  value: PickedRef | null;
  onChange: (v: PickedRef | null) => void;
  /** A user who may not be picked (the one whose records are being moved). */
  exclude?: string;
  id?: string;
}

/**
 * Type-ahead over *active* users only (GET /users?status=active&q=): records can only be
 * given to someone who can sign in, so inactive and invited people are never offered.
 */
export function ActiveUserPicker({ value, onChange, exclude, id }: Props) {
  const { t } = useI18n();
  const search = useCallback(
    async (q: string, signal: AbortSignal) => {
      const page = await usersApi.list({ status: 'active', q, limit: 20 }, signal);
      return page.users.filter((u) => u.id !== exclude).map((u) => ({ value: u.id, label: `${u.name} · ${u.email}` }));
    },
    [exclude],
  );
  const { options, loading, onSearch, onOpenChange } = useTypeahead<PickedRef>(search);

  const merged = value && !options.some((o) => o.value === value.value) ? [value, ...options] : options;
  return (
    <Select<PickedRef>
      id={id}
      className="ky-fullwidth"
      showSearch
      labelInValue
      allowClear
      filterOption={false}
      value={value ?? undefined}
      placeholder={t('setup.users.pickUser')}
      onSearch={onSearch}
      onOpenChange={onOpenChange}
      onChange={(v) => onChange(v ? { value: String(v.value), label: String(v.label) } : null)}
      notFoundContent={loading ? <Spin size="small" /> : t('field.noMatches')}
      options={merged}
    />
  );
}

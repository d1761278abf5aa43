import { Select, Spin } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useI18n } from '../../../i18n';
import { usersApi, type PickedRef } from '../../../lib/users';

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
  const [options, setOptions] = useState<PickedRef[]>([]);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const abort = useRef<AbortController | null>(null);

  const load = useCallback(
    (q: string) => {
      abort.current?.abort();
      const ctrl = new AbortController();
      abort.current = ctrl;
      setLoading(true);
      usersApi
        .list({ status: 'active', q, limit: 20 }, ctrl.signal)
        .then((page) =>
          setOptions(page.users.filter((u) => u.id !== exclude).map((u) => ({ value: u.id, label: `${u.name} · ${u.email}` }))),
        )
        .catch(() => {
          if (!ctrl.signal.aborted) setOptions([]);
        })
        .finally(() => {
          if (!ctrl.signal.aborted) setLoading(false);
        });
    },
    [exclude],
  );

  useEffect(
    () => () => {
      abort.current?.abort();
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

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
      onSearch={(q) => {
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => load(q), 250);
      }}
      onOpenChange={(open) => {
        if (open && options.length === 0) load('');
      }}
      onChange={(v) => onChange(v ? { value: String(v.value), label: String(v.label) } : null)}
      notFoundContent={loading ? <Spin size="small" /> : t('field.noMatches')}
      options={merged}
    />
  );
}

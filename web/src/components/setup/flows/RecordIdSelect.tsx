import { useEffect, useState } from 'react';
import { LookupSelect, type LookupValue } from '../../../fields/LookupSelect';
import { fetchTitles } from '../../../lib/referenceLabels';
import { useMetadata } from '../../../state/metadata';

interface Props {
  /** The object picked from (user, team, role). */
  target: string;
  /** The record's id, as a flow definition stores it. */
  value?: string | null;
  onChange?: (id: string | null) => void;
  placeholder?: string;
  testId?: string;
  id?: string;
}

/**
 * The record forms' type-ahead lookup, holding a bare id (what a flow stores) instead of
 * {value, label}: a saved id's title is asked for once, and shows the id meanwhile (or when the
 * record is gone or not readable), so an opened flow shows "王经理", not a UUID.
 */
export default function RecordIdSelect({ target, value, onChange, placeholder, testId, id }: Props) {
  const { getObject } = useMetadata();
  const [known, setKnown] = useState<LookupValue | null>(null);

  useEffect(() => {
    if (!value || known?.value === value) return;
    const ctrl = new AbortController();
    fetchTitles(new Map([[target, [value]]]), getObject, ctrl.signal)
      .then((titles) => {
        if (!ctrl.signal.aborted) setKnown({ value, label: titles.get(value) ?? value });
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [value, target, known, getObject]);

  const current = value ? (known?.value === value ? known : { value, label: value }) : null;
  return (
    <div data-testid={testId}>
      <LookupSelect
        id={id}
        target={target}
        value={current}
        placeholder={placeholder}
        allowClear
        onChange={(v) => {
          setKnown(v);
          onChange?.(v?.value ?? null);
        }}
      />
    </div>
  );
}

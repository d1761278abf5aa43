/**
 * A field of the report's object or, one lookup away, of the record it points at: the object's
 * own fields first, then one group per lookup (`Account › Province`).
 */
import { Select } from 'antd';
import { useI18n } from '../../i18n';
import type { FieldChoice } from '../definition';

interface Props {
  choices: FieldChoice[];
  value: string | null | undefined;
  onChange: (path: string) => void;
  placeholder?: string;
  status?: 'error';
  testid?: string;
  ariaLabel?: string;
  allowClear?: boolean;
  onClear?: () => void;
  className?: string;
}

export function pickerOptions(choices: FieldChoice[], ownLabel: string) {
  const own = choices.filter((c) => !c.via).map((c) => ({ value: c.path, label: c.label }));
  const groups = new Map<string, { label: string; options: { value: string; label: string }[] }>();
  for (const c of choices) {
    if (!c.via) continue;
    const group = groups.get(c.via.name) ?? { label: c.label.split(' › ')[0], options: [] };
    group.options.push({ value: c.path, label: c.label });
    groups.set(c.via.name, group);
  }
  return [{ label: ownLabel, options: own }, ...groups.values()].filter((g) => g.options.length);
}

export function FieldPicker({ choices, value, onChange, placeholder, status, testid, ariaLabel, allowClear, onClear, className }: Props) {
  const { t } = useI18n();
  return (
    <Select
      className={className ?? 'ky-fullwidth'}
      showSearch
      optionFilterProp="label"
      value={value || undefined}
      onChange={onChange}
      onClear={onClear}
      allowClear={allowClear}
      placeholder={placeholder ?? t('reports.builder.pickField')}
      options={pickerOptions(choices, t('reports.builder.ownFields'))}
      status={status}
      aria-label={ariaLabel}
      data-testid={testid}
      popupMatchSelectWidth={false}
    />
  );
}

import { Input, Select } from 'antd';
import { useMemo } from 'react';
import type { FieldMeta, ObjectMeta } from '../../../api/types';
import { useI18n } from '../../../i18n';
import { expressionFields, textLiteral } from '../../../pages/setup/flows';
import { insertIntoCondition } from '../../../pages/setup/rules';
import { useMetadata } from '../../../state/metadata';

interface Props {
  /** The object whose records the expression reads: its fields and its lookups' fields are offered. */
  object: ObjectMeta | undefined;
  /** A picklist whose values are offered as literals first (the field a value row sets). */
  picklist?: FieldMeta;
  value?: string;
  onChange?: (value: string) => void;
  placeholder?: string;
  testId?: string;
  id?: string;
  'aria-invalid'?: boolean;
}

/**
 * An expression in Keyi's language, as the validation rule editor takes one (a monospace text
 * area), with a picker that appends a field — the object's own (`amount`) and, across each
 * lookup, its parent's (`account.industry`) — or a picklist value (`'won'`) where the expression
 * is typed. Controlled like any input, so a Form.Item validates it and shows its server error.
 */
export default function ExpressionInput({ object, picklist, value, onChange, placeholder, testId, id, ...rest }: Props) {
  const { t, label } = useI18n();
  const { byName } = useMetadata();
  const options = useMemo(() => {
    const fields = expressionFields(object, byName);
    const own = fields.filter((f) => !f.via);
    const groups: { label: string; options: { value: string; label: string }[] }[] = [];
    if (picklist?.options?.length) {
      groups.push({
        label: t('setup.flows.insertValues', { field: label(picklist.labels, picklist.name) }),
        options: picklist.options.map((o) => ({ value: textLiteral(o.value), label: `${label(o.labels, o.value)} (${textLiteral(o.value)})` })),
      });
    }
    if (object) groups.push({ label: label(object.labels, object.name), options: own.map((f) => ({ value: f.path, label: `${label(f.field.labels, f.field.name)} (${f.path})` })) });
    const vias = new Map<string, typeof fields>();
    for (const f of fields) if (f.via) vias.set(f.via.name, [...(vias.get(f.via.name) ?? []), f]);
    for (const list of vias.values()) {
      const via = list[0].via!;
      groups.push({
        label: `${label(via.labels, via.name)} →`,
        options: list.map((f) => ({ value: f.path, label: `${label(via.labels, via.name)} › ${label(f.field.labels, f.field.name)} (${f.path})` })),
      });
    }
    return groups;
  }, [object, byName, picklist, label, t]);

  return (
    <div className="ky-flow-expr">
      <Input.TextArea
        id={id}
        aria-invalid={rest['aria-invalid']}
        className="ky-setup-mono"
        autoSize={{ minRows: 1, maxRows: 6 }}
        value={value}
        placeholder={placeholder}
        onChange={(e) => onChange?.(e.target.value)}
        data-testid={testId}
      />
      <Select
        size="small"
        showSearch
        value={null}
        className="ky-flow-expr-insert"
        placeholder={t('setup.rules.insertField')}
        optionFilterProp="label"
        popupMatchSelectWidth={false}
        options={options}
        onChange={(text: string) => onChange?.(insertIntoCondition(value ?? '', text))}
        aria-label={t('setup.rules.insertField')}
        data-testid={testId ? `${testId}-insert` : undefined}
      />
    </div>
  );
}

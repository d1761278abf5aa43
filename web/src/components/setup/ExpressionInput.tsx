import { Input, Select } from 'antd';
import { useMemo } from 'react';
import type { FieldMeta, ObjectMeta } from '../../api/types';
import { useI18n, type TFunction } from '../../i18n';
import { expressionFields, expressionProblem, textLiteral } from '../../pages/setup/flows';
import { insertIntoCondition } from '../../pages/setup/rules';
import { useMetadata } from '../../state/metadata';

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
 * An expression in Keyi's language — a flow's condition and field values, an approval
 * process's entry and step conditions and field updates — as the validation rule editor takes
 * one (a monospace text area), with a picker that appends a field — the object's own (`amount`)
 * and, across each lookup, its parent's (`account.industry`) — or a picklist value (`'won'`)
 * where the expression is typed. Controlled like any input, so a Form.Item validates it with
 * {@link expressionRule} and shows the server's error for it (its `aria-invalid` is passed on):
 * one input, so both editors offer the same fields and refuse the same mistakes.
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
    <div className="ky-expr-input">
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
        className="ky-expr-input-insert"
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

/**
 * A Form.Item rule for an {@link ExpressionInput}: required when asked, and not obviously broken
 * (a quote or a parenthesis left open), so the mistake shows as it is typed without a round
 * trip. The server checks the rest at save (unknown fields, types, a condition that is not
 * true or false) and its error lands on the same item.
 */
export function expressionRule(t: TFunction, required: boolean, requiredMessage?: string) {
  return {
    validator(_: unknown, value: unknown) {
      const source = typeof value === 'string' ? value : '';
      if (required && !source.trim()) return Promise.reject(new Error(requiredMessage ?? t('setup.flows.valueRequired')));
      const problem = expressionProblem(source);
      return problem ? Promise.reject(new Error(t(`setup.flows.expression.${problem}`))) : Promise.resolve();
    },
  };
}

import { Input, Select } from 'antd';
import type { FieldMeta } from '../../api/types';
import { useI18n } from '../../i18n';
import { insertIntoCondition } from '../../pages/setup/rules';

interface Props {
  value?: string;
  onChange?: (v: string) => void;
  /** The fields the expression may name (offered by the "insert field" picker). */
  fields: FieldMeta[];
  id?: string;
  placeholder?: string;
  'data-testid'?: string;
}

/**
 * An expression in the formula language as a form control: a monospace text area and, below
 * it, a picker that appends a field's API name — the same input as the validation-rule editor's
 * condition. The server checks the expression at save; its error shows on the form item.
 */
export function ConditionInput({ value, onChange, fields, id, placeholder, 'data-testid': testId }: Props) {
  const { t, label } = useI18n();
  return (
    <div className="ky-condition-input">
      <Input.TextArea
        id={id}
        value={value}
        onChange={(e) => onChange?.(e.target.value)}
        className="ky-setup-mono"
        autoSize={{ minRows: 1, maxRows: 6 }}
        placeholder={placeholder}
        data-testid={testId}
      />
      <Select
        size="small"
        showSearch
        value={null}
        style={{ width: 240, marginTop: 4 }}
        placeholder={t('setup.rules.insertField')}
        optionFilterProp="label"
        onChange={(name: string) => onChange?.(insertIntoCondition(value ?? '', name))}
        options={fields.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
        aria-label={t('setup.rules.insertField')}
      />
    </div>
  );
}

import { Input, Select } from 'antd';
import { useMemo } from 'react';
import type { ObjectMeta } from '../../../api/types';
import { useI18n } from '../../../i18n';
import { insertIntoTemplate, mergeFields } from '../../../pages/setup/flows';
import { useFormatSettings } from '../../../state/session';

interface Props {
  /** The object whose records the notification is about: its fields are offered. */
  object: ObjectMeta | undefined;
  /** A body (several lines) rather than a title. */
  multiline?: boolean;
  value?: string;
  onChange?: (value: string) => void;
  placeholder?: string;
  testId?: string;
  id?: string;
  'aria-invalid'?: boolean;
}

/**
 * A notification's title or body in one language — a template of the server's sandboxed
 * engine — with a picker that appends a merge field (`{{ record.name }}`, money with its
 * currency, `{{ object }}`, `{{ flow }}`), as the expression input appends a field.
 */
export default function TemplateInput({ object, multiline, value, onChange, placeholder, testId, id, ...rest }: Props) {
  const { t, label } = useI18n();
  const { currency } = useFormatSettings();
  const options = useMemo(() => {
    const fields = mergeFields(object, currency);
    return [
      ...(object
        ? [
            {
              label: t('setup.flows.merge.record'),
              options: fields.filter((m) => m.field).map((m) => ({ value: m.text, label: `${label(m.field!.labels, m.field!.name)} ${m.text}` })),
            },
          ]
        : []),
      {
        label: t('setup.flows.merge.other'),
        options: [
          { value: '{{ object }}', label: `${t('setup.flows.merge.object')} {{ object }}` },
          { value: '{{ flow }}', label: `${t('setup.flows.merge.flow')} {{ flow }}` },
        ],
      },
    ];
  }, [object, currency, label, t]);

  const common = {
    id,
    'aria-invalid': rest['aria-invalid'],
    value,
    placeholder,
    maxLength: 20000, // the server's limit on a template (notify.templates.MAX_SOURCE_CHARS)
    'data-testid': testId,
  };
  return (
    <div className="ky-flow-expr">
      {multiline ? (
        <Input.TextArea {...common} autoSize={{ minRows: 2, maxRows: 6 }} onChange={(e) => onChange?.(e.target.value)} />
      ) : (
        <Input {...common} onChange={(e) => onChange?.(e.target.value)} />
      )}
      <Select
        size="small"
        showSearch
        value={null}
        className="ky-flow-expr-insert"
        placeholder={t('setup.flows.insertMergeField')}
        optionFilterProp="label"
        popupMatchSelectWidth={false}
        options={options}
        onChange={(text: string) => onChange?.(insertIntoTemplate(value ?? '', text))}
        aria-label={t('setup.flows.insertMergeField')}
        data-testid={testId ? `${testId}-insert` : undefined}
      />
    </div>
  );
}

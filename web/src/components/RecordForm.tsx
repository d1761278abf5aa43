import { Col, Form, Row, type FormInstance } from 'antd';
import { recordSections } from '../lib/layout';
import { useMemo } from 'react';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { FieldInput, specFor } from '../fields/registry';
import { useI18n } from '../i18n';
import { isEditable } from '../lib/fields';
import { useFormatSettings } from '../state/session';
import { formFields, toFormValues, type FormMode } from './recordForm';

interface Props {
  object: ObjectMeta;
  form: FormInstance;
  mode: FormMode;
  /** The record being edited, or prefilled values for a new one. */
  record?: RecordData | null;
  /** Two-column grid on wide screens (single column below md). */
  columns?: 1 | 2;
  /** Restrict to these fields (in this order). */
  fields?: FieldMeta[];
  onValuesChange?: (changed: Record<string, unknown>, all: Record<string, unknown>) => void;
  disabled?: boolean;
}

/** The generic create/edit form: one typed input per field, laid out in a grid. */
export function RecordForm({ object, form, mode, record, columns = 2, fields, onValuesChange, disabled }: Props) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const shown = fields ?? formFields(object, mode);
  const sections = recordSections(object, shown);
  // Initial values only on mount (the parent resets the form explicitly when reloading).
  // eslint-disable-next-line react-hooks/exhaustive-deps -- on mount only, as said above
  const initialValues = useMemo(() => toFormValues(object, record, fmt, mode), [object.name, mode]);

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={initialValues}
      onValuesChange={onValuesChange}
      disabled={disabled}
      requiredMark
      className="ky-record-form"
      scrollToFirstError
    >
      {sections.map((section) => (
        <div key={section.key} className="ky-form-section">
          {sections.length > 1 && <div className="ky-section-title">{section.labels ? label(section.labels) : t('record.details')}</div>}
          <Row gutter={[20, 0]}>
        {section.fields.map((f) => {
          const spec = specFor(f);
          const editable = isEditable(f, mode);
          const help = f.help ? label(f.help) : undefined;
          return (
            <Col key={f.name} xs={24} md={columns === 1 || spec.wide ? 24 : 24 / section.columns}>
              <Form.Item
                name={f.name}
                label={label(f.labels, f.name)}
                tooltip={help || undefined}
                valuePropName={spec.valueProp ?? 'value'}
                required={!!f.required && editable}
                rules={
                  f.required && editable && f.type !== 'boolean'
                    ? [
                        {
                          validator: (_r, v) => {
                            const empty =
                              v === null ||
                              v === undefined ||
                              (typeof v === 'string' && v.trim() === '') ||
                              (Array.isArray(v) && v.length === 0) ||
                              (f.type === 'currency' && (v as { amount?: unknown }).amount == null);
                            return empty ? Promise.reject(new Error(t('common.required'))) : Promise.resolve();
                          },
                        },
                      ]
                    : undefined
                }
              >
                <FieldInput field={f} record={record} disabled={!editable || disabled} />
              </Form.Item>
            </Col>
          );
        })}
      </Row>
        </div>
      ))}
    </Form>
  );
}

import { ArrowDownOutlined, ArrowUpOutlined, DeleteOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Col, DatePicker, Drawer, Form, Input, InputNumber, Row, Select, Space, Switch, Tooltip } from 'antd';
import dayjs from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import type { FieldType, ObjectMeta } from '../../api/types';
import { useI18n, type MessageKey } from '../../i18n';
import { setupApi, type SetupField } from '../../pages/setup/api';
import {
  capabilities,
  CREATABLE_TYPES,
  FORMULA_RETURN_TYPES,
  fromField,
  mapFieldErrors,
  ROLLUP_OPS,
  ROLLUP_RETURN_TYPES,
  suggestName,
  toPayload,
  type FieldFormValues,
  type OptionRow,
} from '../../pages/setup/fieldForm';
import { useMetadata } from '../../state/metadata';
import { errorMessage } from '../Status';
import { labelRule, nameRules } from './NewObjectModal';

interface Props {
  object: ObjectMeta;
  /** The field to edit; null creates a new one. */
  field: SetupField | null;
  open: boolean;
  onClose: () => void;
  onSaved: (name: string, created: boolean) => void;
}

const NEW_OPTION: OptionRow = { value: '', en: '', zh: '', active: true };
const AGGREGATABLE = new Set(['integer', 'decimal', 'currency', 'percent', 'date', 'datetime']);

/** Add or edit one field, with the inputs its type needs and the server's errors beside them. */
export function FieldDrawer({ object, field, open, onClose, onSaved }: Props) {
  const { t, label } = useI18n();
  const { objects, relationsOf } = useMetadata();
  const [form] = Form.useForm<FieldFormValues>();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [nameTouched, setNameTouched] = useState(false);
  const editing = !!field;
  const type = (Form.useWatch('type', form) ?? field?.type ?? 'text') as FieldType;
  const rollupChild = Form.useWatch('rollup_child', form) as string | undefined;
  const rollupOp = Form.useWatch('rollup_op', form) as string | undefined;
  const options = (Form.useWatch('options', form) as OptionRow[] | undefined) ?? [];
  const caps = capabilities(type);

  useEffect(() => {
    if (!open) return;
    setGeneral([]);
    setNameTouched(editing);
    form.resetFields();
    const start: FieldFormValues = field ? fromField(field) : { type: 'text', name: '', options: [{ ...NEW_OPTION }], rollup_op: 'count' };
    form.setFieldsValue(start as Parameters<typeof form.setFieldsValue>[0]);
  }, [open, field, editing, form]);

  const targets = useMemo(
    () =>
      [...objects]
        .filter((o) => o.name !== 'user' || type === 'lookup')
        .map((o) => ({ value: o.name, label: `${label(o.labels, o.name)} (${o.name})` })),
    [objects, label, type],
  );
  const children = relationsOf(object.name);
  const childObject = rollupChild ? objects.find((o) => o.name === rollupChild.split('.')[0]) : undefined;

  const typeLabel = (ty: string) => t(`setup.type.${ty}` as MessageKey);

  const submit = async () => {
    try {
      await form.validateFields();
    } catch {
      return;
    }
    // The whole store, not only mounted inputs: option rows keep their colour, probability and
    // "saved" flag, which have no input of their own.
    const values = form.getFieldsValue(true) as FieldFormValues;
    const full = { ...(field ? fromField(field) : {}), ...values, type } as FieldFormValues;
    const body = toPayload(full, editing ? 'edit' : 'create');
    setSaving(true);
    setGeneral([]);
    try {
      const saved = editing ? await setupApi.updateField(object.name, field!.name, body) : await setupApi.addField(object.name, body);
      onSaved(saved.name, !editing);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const mapped = mapFieldErrors(e.fieldErrors);
        form.setFields(mapped.fields.map((f) => ({ name: f.name as never, errors: f.errors })));
        setGeneral(mapped.general.length ? mapped.general : [t('setup.fixErrors')]);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const defaultInput = () => {
    switch (caps.defaultKind) {
      case 'number':
        return <InputNumber style={{ width: '100%' }} />;
      case 'boolean':
        return <Switch />;
      case 'date':
        return <DateText placeholder={t('setup.fields.defaultDate')} />;
      case 'option':
        return (
          <Select
            allowClear
            options={options.filter((o) => o?.value && o.active !== false).map((o) => ({ value: o.value, label: o.en || o.zh || o.value }))}
          />
        );
      case 'text':
        return type === 'long_text' ? <Input.TextArea autoSize={{ minRows: 2, maxRows: 5 }} /> : <Input />;
      default:
        return null;
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={640}
      destroyOnHidden
      title={editing ? t('setup.fields.edit', { name: label(field!.labels, field!.name) }) : t('setup.fields.new')}
      extra={
        <Space>
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void submit()} data-testid="field-save">
            {t('common.save')}
          </Button>
        </Space>
      }
    >
      {general.length > 0 && (
        <Alert type="error" showIcon style={{ marginBottom: 12 }} message={general.map((g, i) => <div key={i}>{g}</div>)} data-testid="field-errors" />
      )}
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(changed: Partial<FieldFormValues>) => {
          if ('label_en' in changed && !nameTouched) form.setFieldValue('name', suggestName(changed.label_en ?? ''));
          if ('name' in changed) setNameTouched(true);
          if ('rollup_child' in changed) form.setFieldValue('rollup_aggregate_field', null);
        }}
      >
        <Form.Item name="type" label={t('setup.fields.type')} rules={[{ required: true }]}>
          <Select
            disabled={editing}
            showSearch
            optionFilterProp="label"
            data-testid="field-type"
            options={CREATABLE_TYPES.map((ty) => ({ value: ty, label: typeLabel(ty) }))}
          />
        </Form.Item>
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="label_en" label={t('setup.labelEn')} dependencies={['label_zh']} rules={[labelRule(t)]}>
              <Input data-testid="field-label-en" maxLength={100} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="label_zh" label={t('setup.labelZh')}>
              <Input data-testid="field-label-zh" maxLength={100} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="name" label={t('setup.apiName')} extra={editing ? undefined : t('setup.apiNameHelp')} rules={nameRules(t)}>
          <Input disabled={editing} className="ky-setup-mono" data-testid="field-name" maxLength={48} />
        </Form.Item>

        {caps.target && (
          <Form.Item
            name="target"
            label={t('setup.fields.target')}
            extra={type === 'master_detail' ? t('setup.fields.masterDetailHelp') : t('setup.fields.targetHelp')}
            rules={[{ required: true, message: t('setup.fields.targetHelp') }]}
          >
            <Select disabled={editing} showSearch optionFilterProp="label" options={targets} data-testid="field-target" />
          </Form.Item>
        )}
        {type === 'owner' && <Alert type="info" showIcon message={t('setup.fields.ownerHelp')} style={{ marginBottom: 16 }} />}

        {caps.options && (
          <Form.Item label={t('setup.fields.options')} extra={t('setup.fields.optionsHelp')} required>
            <Form.List
              name="options"
              rules={[
                {
                  validator: async (_, rows?: OptionRow[]) => {
                    if (!rows || rows.length === 0) throw new Error(t('setup.fields.noOptions'));
                  },
                },
              ]}
            >
              {(rows, { add, remove, move }, { errors }) => (
                <div className="ky-setup-options" data-testid="picklist-editor">
                  <div className="ky-setup-optrow ky-setup-opthead">
                    <span>{t('setup.fields.optionValue')}</span>
                    <span>{t('setup.fields.optionEn')}</span>
                    <span>{t('setup.fields.optionZh')}</span>
                    <span>{t('setup.fields.optionActive')}</span>
                    <span />
                  </div>
                  {rows.map((row, index) => {
                    const current = options[index];
                    const saved = !!current?.saved;
                    return (
                      <div key={row.key} className={`ky-setup-optrow${current?.active === false ? ' is-inactive' : ''}`} data-testid="picklist-row">
                        <Form.Item name={[row.name, 'value']} rules={[{ required: true, message: t('setup.fields.optionRequired') }]}>
                          <Input
                            disabled={saved}
                            className="ky-setup-mono"
                            placeholder="value"
                            aria-label={t('setup.fields.optionValue')}
                            onChange={() => form.setFieldValue(['options', row.name, 'touched'], true)}
                          />
                        </Form.Item>
                        <Form.Item name={[row.name, 'en']}>
                          <Input
                            aria-label={t('setup.fields.optionEn')}
                            onChange={(e) => {
                              if (!saved && !form.getFieldValue(['options', row.name, 'touched'])) {
                                form.setFieldValue(['options', row.name, 'value'], suggestName(e.target.value));
                              }
                            }}
                          />
                        </Form.Item>
                        <Form.Item name={[row.name, 'zh']}>
                          <Input aria-label={t('setup.fields.optionZh')} />
                        </Form.Item>
                        <Form.Item name={[row.name, 'active']} valuePropName="checked">
                          <Switch size="small" aria-label={t('setup.fields.optionActive')} />
                        </Form.Item>
                        <Space size={0}>
                          <Tooltip title={t('setup.fields.moveUp')}>
                            <Button type="text" size="small" icon={<ArrowUpOutlined />} disabled={index === 0} onClick={() => move(index, index - 1)} aria-label={t('setup.fields.moveUp')} />
                          </Tooltip>
                          <Tooltip title={t('setup.fields.moveDown')}>
                            <Button
                              type="text"
                              size="small"
                              icon={<ArrowDownOutlined />}
                              disabled={index === rows.length - 1}
                              onClick={() => move(index, index + 1)}
                              aria-label={t('setup.fields.moveDown')}
                            />
                          </Tooltip>
                          {!saved && (
                            <Tooltip title={t('setup.fields.remove')}>
                              <Button type="text" size="small" danger icon={<DeleteOutlined />} onClick={() => remove(index)} aria-label={t('setup.fields.remove')} />
                            </Tooltip>
                          )}
                        </Space>
                      </div>
                    );
                  })}
                  <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ ...NEW_OPTION })} block data-testid="picklist-add">
                    {t('setup.fields.addOption')}
                  </Button>
                  <Form.ErrorList errors={errors} />
                </div>
              )}
            </Form.List>
          </Form.Item>
        )}

        {caps.pattern && (
          <Form.Item name="pattern" label={t('setup.fields.pattern')} extra={t('setup.fields.patternHelp')} rules={[{ required: true, message: t('setup.fields.patternHelp') }]}>
            <Input className="ky-setup-mono" placeholder="HT-{YYYY}-{0000}" data-testid="field-pattern" />
          </Form.Item>
        )}

        {caps.formula && (
          <>
            <Form.Item name="expression" label={t('setup.fields.expression')} extra={t('setup.fields.expressionHelp')} rules={[{ required: true, message: t('setup.fields.expressionHelp') }]}>
              <Input.TextArea className="ky-setup-mono" autoSize={{ minRows: 2, maxRows: 8 }} data-testid="field-expression" />
            </Form.Item>
            <Form.Item name="return_type" label={t('setup.fields.returnType')} rules={[{ required: true, message: t('setup.fields.returnType') }]}>
              <Select options={FORMULA_RETURN_TYPES.map((r) => ({ value: r, label: typeLabel(r) }))} data-testid="field-return-type" />
            </Form.Item>
          </>
        )}

        {caps.rollup && (
          <>
            {children.length === 0 && <Alert type="warning" showIcon message={t('setup.fields.rollupNoChildren')} style={{ marginBottom: 12 }} />}
            <Form.Item name="rollup_child" label={t('setup.fields.rollupChild')} extra={t('setup.fields.rollupChildHelp')} rules={[{ required: true, message: t('setup.fields.rollupChildHelp') }]}>
              <Select
                options={children.map((r) => ({
                  value: `${r.object.name}.${r.field.name}`,
                  label: `${label(r.object.plural_labels ?? r.object.labels, r.object.name)} · ${label(r.field.labels, r.field.name)}`,
                }))}
              />
            </Form.Item>
            <Row gutter={12}>
              <Col span={10}>
                <Form.Item name="rollup_op" label={t('setup.fields.rollupOp')}>
                  <Select options={ROLLUP_OPS.map((op) => ({ value: op, label: t(`setup.fields.rollupOp.${op}` as MessageKey) }))} />
                </Form.Item>
              </Col>
              <Col span={14}>
                {rollupOp && rollupOp !== 'count' && (
                  <Form.Item name="rollup_aggregate_field" label={t('setup.fields.rollupField')} rules={[{ required: true, message: t('setup.fields.rollupField') }]}>
                    <Select
                      options={(childObject?.fields ?? [])
                        .filter((f) => AGGREGATABLE.has(f.type) || (f.type === 'formula' && AGGREGATABLE.has(String(f.return_type))))
                        .filter((f) => rollupOp !== 'sum' || !['date', 'datetime'].includes(f.type))
                        .map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
                    />
                  </Form.Item>
                )}
              </Col>
            </Row>
            <Form.Item name="return_type" label={t('setup.fields.returnType')}>
              <Select allowClear options={ROLLUP_RETURN_TYPES.map((r) => ({ value: r, label: typeLabel(r) }))} />
            </Form.Item>
          </>
        )}

        {(caps.maxLength || caps.scale) && (
          <Row gutter={12}>
            {caps.maxLength && (
              <Col span={12}>
                <Form.Item name="max_length" label={t('setup.fields.maxLength')}>
                  <InputNumber min={1} max={10000} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            )}
            {caps.scale && (
              <>
                <Col span={12}>
                  <Form.Item name="precision" label={t('setup.fields.precision')}>
                    <InputNumber min={1} max={38} style={{ width: '100%' }} />
                  </Form.Item>
                </Col>
                <Col span={12}>
                  <Form.Item name="scale" label={t('setup.fields.scale')}>
                    <InputNumber min={0} max={12} style={{ width: '100%' }} />
                  </Form.Item>
                </Col>
              </>
            )}
          </Row>
        )}

        {caps.defaultKind && (
          <Form.Item name="default" label={t('setup.fields.default')} valuePropName={caps.defaultKind === 'boolean' ? 'checked' : 'value'}>
            {defaultInput()}
          </Form.Item>
        )}

        {(caps.required || caps.unique || caps.searchable || (type !== 'formula' && type !== 'rollup')) && (
        <Form.Item label={t('setup.fields.flags')} style={{ marginBottom: 8 }}>
          <div style={{ display: 'grid', gap: 4 }}>
            {caps.required && (
              <Form.Item name="required" valuePropName="checked" noStyle>
                <Checkbox data-testid="field-required">{t('setup.fields.required')}</Checkbox>
              </Form.Item>
            )}
            {caps.unique && (
              <Form.Item name="unique" valuePropName="checked" noStyle>
                <Checkbox>{t('setup.fields.unique')}</Checkbox>
              </Form.Item>
            )}
            {type !== 'formula' && type !== 'rollup' && (
              <Form.Item name="indexed" valuePropName="checked" noStyle>
                <Checkbox>{t('setup.fields.indexed')}</Checkbox>
              </Form.Item>
            )}
            {caps.searchable && (
              <Form.Item name="searchable" valuePropName="checked" noStyle>
                <Checkbox>{t('setup.fields.searchable')}</Checkbox>
              </Form.Item>
            )}
          </div>
        </Form.Item>
        )}

        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="help_en" label={t('setup.fields.helpEn')}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="help_zh" label={t('setup.fields.helpZh')}>
              <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} />
            </Form.Item>
          </Col>
        </Row>
      </Form>
    </Drawer>
  );
}

/** A date picker that reads and writes the API's YYYY-MM-DD text. */
function DateText({ value, onChange, placeholder }: { value?: string | null; onChange?: (v: string | null) => void; placeholder?: string }) {
  const parsed = value ? dayjs(value, 'YYYY-MM-DD') : null;
  return (
    <DatePicker
      style={{ width: '100%' }}
      placeholder={placeholder}
      value={parsed && parsed.isValid() ? parsed : null}
      onChange={(d) => onChange?.(d ? d.format('YYYY-MM-DD') : null)}
    />
  );
}

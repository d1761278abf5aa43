import { PlusOutlined } from '@ant-design/icons';
import { Button, Col, Empty, Form, Input, Modal, Row, Select, Switch, Table } from 'antd';
import { useEffect, useState, type HTMLAttributes } from 'react';
import type { ObjectMeta } from '../../api/types';
import { useI18n } from '../../i18n';
import { isSystemField } from '../../lib/fields';
import { setupApi, type SetupObject } from '../../pages/setup/api';
import {
  insertIntoCondition,
  ruleErrors,
  suggestRuleName,
  upsertRule,
  validationRuleFromForm,
  validationRuleToForm,
  type ValidationRuleDef,
  type ValidationRuleForm,
} from '../../pages/setup/rules';
import { labelRule, nameRules } from './NewObjectModal';
import { useModalSubmit } from './modalSubmit';
import { useRuleList } from './ruleTable';

/** Where each key of a rule shows its server error in the form. */
const INPUTS: Record<string, string> = { name: 'name', condition: 'condition', message: 'message_en', field: 'field', active: 'active' };

/**
 * An object's validation rules: a record for which the condition (a formula) is true is
 * refused with the rule's message, next to the field it names. The metadata API replaces the
 * whole list on each save, so every change here sends the list with one rule changed.
 */
export default function ValidationRules({ object }: { object: ObjectMeta }) {
  const { t, label } = useI18n();
  const rules = (object as SetupObject).validation_rules ?? [];
  const list = useRuleList(rules, (next) => setupApi.updateObject(object.name, { validation_rules: next }), 'rule', {
    created: t('setup.rules.created'),
    saved: t('setup.rules.saved'),
    deleted: t('setup.rules.deleted'),
    confirm: (name) => ({ title: t('setup.rules.deleteConfirm', { name }), okButtonProps: { 'data-testid': 'confirm-delete-rule' } as never }),
  });

  const fieldLabel = (name: string | null | undefined) => {
    if (!name) return <span className="ky-page-sub">{t('setup.rules.wholeRecord')}</span>;
    const f = object.fields.find((x) => x.name === name);
    return f ? label(f.labels, f.name) : name;
  };

  return (
    <div className="ky-setup-panel" data-testid="validation-rules">
      <div className="ky-setup-toolbar">
        <span className="ky-page-sub">{t('setup.rules.help')}</span>
        <Button type="primary" icon={<PlusOutlined />} data-testid="rule-new" onClick={() => list.edit(null)}>
          {t('setup.rules.new')}
        </Button>
      </div>
      <Table<ValidationRuleDef>
        rowKey="name"
        size="small"
        pagination={false}
        dataSource={rules}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.rules.empty')} /> }}
        onRow={(r) => ({ 'data-testid': `rule-row-${r.name}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t('setup.rules.message'),
            key: 'message',
            render: (_, r) => (
              <div>
                <div>{label(r.message, r.name)}</div>
                <span className="ky-setup-mono">{r.name}</span>
              </div>
            ),
          },
          { title: t('setup.rules.condition'), dataIndex: 'condition', render: (c: string) => <code className="ky-setup-mono">{c}</code> },
          { title: t('setup.rules.field'), key: 'field', render: (_, r) => fieldLabel(r.field) },
          ...list.columns,
        ]}
      />
      <ValidationRuleModal object={object} rules={rules} {...list.modal} />
    </div>
  );
}

interface ModalProps {
  object: ObjectMeta;
  rules: ValidationRuleDef[];
  /** The rule being edited; null adds one. */
  index: number | null;
  open: boolean;
  onClose: () => void;
  onSaved: (created: boolean) => void | Promise<void>;
}

/** Add or edit one rule; the server checks the condition and its errors appear beside the inputs. */
export function ValidationRuleModal({ object, rules, index, open, onClose, onSaved }: ModalProps) {
  const { t, label } = useI18n();
  const [form] = Form.useForm<ValidationRuleForm>();
  const [nameTouched, setNameTouched] = useState(false);
  const editing = index !== null ? rules[index] ?? null : null;
  const fields = object.fields.filter((f) => !isSystemField(f));

  useEffect(() => {
    if (!open) return;
    setNameTouched(!!editing);
    form.resetFields();
    form.setFieldsValue(validationRuleToForm(editing));
  }, [open, editing, form]);

  const { modalProps, errors } = useModalSubmit(
    form,
    open,
    async (values) => {
      await setupApi.updateObject(object.name, { validation_rules: upsertRule(rules, index, validationRuleFromForm(values)) });
      await onSaved(index === null);
    },
    (errs) => ruleErrors(errs, 'validation_rules', index ?? rules.length, INPUTS),
  );

  return (
    <Modal
      open={open}
      width={680}
      title={editing ? t('setup.rules.edit', { name: editing.name }) : t('setup.rules.new')}
      onCancel={onClose}
      {...modalProps('rule-save')}
    >
      {errors('rule-errors')}
      <Form
        form={form}
        layout="vertical"
        onValuesChange={(changed: Partial<ValidationRuleForm>) => {
          if ('name' in changed) setNameTouched(true);
          if ('message_en' in changed && !nameTouched) {
            const others = rules.filter((_, i) => i !== index).map((r) => r.name);
            form.setFieldsValue({ name: suggestRuleName(changed.message_en ?? '', others) });
          }
        }}
      >
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="message_en" label={t('setup.rules.messageEn')} dependencies={['message_zh']} rules={[labelRule(t, 'message_zh')]}>
              <Input maxLength={300} data-testid="rule-message-en" />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="message_zh" label={t('setup.rules.messageZh')}>
              <Input maxLength={300} data-testid="rule-message-zh" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item
          name="condition"
          label={t('setup.rules.condition')}
          extra={t('setup.rules.conditionHelp')}
          rules={[{ required: true, whitespace: true, message: t('setup.rules.conditionRequired') }]}
        >
          <Input.TextArea className="ky-setup-mono" autoSize={{ minRows: 2, maxRows: 8 }} data-testid="rule-condition" />
        </Form.Item>
        <Select
          size="small"
          showSearch
          value={null}
          style={{ width: 240, marginTop: -12, marginBottom: 16 }}
          placeholder={t('setup.rules.insertField')}
          optionFilterProp="label"
          onChange={(name: string) => form.setFieldsValue({ condition: insertIntoCondition(form.getFieldValue('condition') ?? '', name) })}
          options={fields.map((f) => ({ value: f.name, label: `${label(f.labels, f.name)} (${f.name})` }))}
          aria-label={t('setup.rules.insertField')}
        />
        <Row gutter={12}>
          <Col span={12}>
            <Form.Item name="field" label={t('setup.rules.field')} extra={t('setup.rules.fieldHelp')}>
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                placeholder={t('setup.rules.wholeRecord')}
                options={fields.map((f) => ({ value: f.name, label: label(f.labels, f.name) }))}
                data-testid="rule-field"
              />
            </Form.Item>
          </Col>
          <Col span={12}>
            <Form.Item name="name" label={t('setup.apiName')} rules={nameRules(t)}>
              <Input className="ky-setup-mono" maxLength={48} data-testid="rule-name" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="active" label={t('setup.rules.active')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}

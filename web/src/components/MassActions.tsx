import { DeleteOutlined, EditOutlined } from '@ant-design/icons';
import { Alert, App, Button, Form, Modal, Select, Space } from 'antd';
import { useState } from 'react';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import type { ObjectMeta, RecordData } from '../api/types';
import { FieldInput, specFor } from '../fields/registry';
import { useI18n } from '../i18n';
import { massEditableFields, summariseMassErrors } from '../lib/inline';
import { useFormatSettings } from '../state/session';
import { errorMessage } from './Status';

interface Props {
  object: ObjectMeta;
  selected: RecordData[];
  onClear: () => void;
  /** After a successful mass action: reload the list. */
  onDone: () => void;
}

/** The bar over a list with selected rows: set one field on all of them, or delete them. */
export function MassActions({ object, selected, onClear, onDone }: Props) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const { message, modal } = App.useApp();
  const [open, setOpen] = useState(false);
  const [fieldName, setFieldName] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [problems, setProblems] = useState<string[] | null>(null);
  const [form] = Form.useForm();
  const fields = massEditableFields(object);
  const field = fields.find((f) => f.name === fieldName);
  const ids = selected.map((r) => r.id);
  const versions = Object.fromEntries(selected.filter((r) => typeof r.version === 'number').map((r) => [r.id, r.version as number]));

  const describe = (e: unknown): string[] => {
    if (e instanceof ApiError && e.status === 412) return [t('mass.stale')];
    if (e instanceof ApiError && e.fieldErrors.length)
      return summariseMassErrors(e.fieldErrors).map((x) => t('mass.errorLine', { message: x.message, count: x.count }));
    return [errorMessage(e, t)];
  };

  const update = async () => {
    if (!field) return;
    setProblems(null);
    const values = specFor(field).fromForm(form.getFieldValue('value'), field, fmt);
    setSaving(true);
    try {
      await api.massUpdate(object.name, ids, values, versions);
      message.success(t('mass.updated', { count: ids.length }));
      setOpen(false);
      onDone();
    } catch (e) {
      setProblems(describe(e));
    } finally {
      setSaving(false);
    }
  };

  const remove = () =>
    modal.confirm({
      title: t('mass.confirmDelete', { count: ids.length }),
      content: t('common.confirmDeleteHelp'),
      okText: t('common.delete'),
      okButtonProps: { danger: true, 'data-testid': 'mass-delete-ok' },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await api.massDelete(object.name, ids);
          message.success(t('mass.deleted', { count: ids.length }));
          onDone();
        } catch (e) {
          message.error(describe(e).join(' '));
        }
      },
    });

  if (selected.length === 0) return null;
  return (
    <div className="ky-massbar" data-testid="mass-bar">
      <span className="ky-massbar-count">{t('mass.selected', { count: selected.length })}</span>
      <Space wrap>
        {fields.length > 0 && (
          <Button
            icon={<EditOutlined />}
            onClick={() => {
              setProblems(null);
              setFieldName(undefined);
              form.resetFields();
              setOpen(true);
            }}
            data-testid="mass-update"
          >
            {t('mass.update')}
          </Button>
        )}
        <Button danger icon={<DeleteOutlined />} onClick={remove} data-testid="mass-delete">
          {t('common.delete')}
        </Button>
        <Button type="link" onClick={onClear}>
          {t('mass.clear')}
        </Button>
      </Space>
      <Modal
        open={open}
        title={t('mass.updateTitle', { count: selected.length })}
        onCancel={() => setOpen(false)}
        onOk={() => void update()}
        okText={t('common.save')}
        okButtonProps={{ disabled: !field, loading: saving, 'data-testid': 'mass-update-ok' }}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        {problems && <Alert type="error" showIcon className="ky-mb" message={t('mass.failed')} description={problems.join('\n')} data-testid="mass-errors" />}
        <Form form={form} layout="vertical">
          <Form.Item label={t('mass.field')}>
            <Select
              value={fieldName}
              onChange={(v: string) => {
                setFieldName(v);
                form.setFieldsValue({ value: undefined });
              }}
              showSearch
              optionFilterProp="label"
              options={fields.map((f) => ({ value: f.name, label: label(f.labels, f.name) }))}
              placeholder={t('field.selectPlaceholder')}
              data-testid="mass-field"
            />
          </Form.Item>
          {field && (
            <Form.Item name="value" label={t('mass.value')} valuePropName={specFor(field).valueProp ?? 'value'} initialValue={specFor(field).toForm(null, field, fmt)}>
              <FieldInput field={field} />
            </Form.Item>
          )}
        </Form>
      </Modal>
    </div>
  );
}

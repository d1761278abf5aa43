import { Alert, App, Button, Drawer, Form, Grid, Space } from 'antd';
import { useState } from 'react';
import { api } from '../api/endpoints';
import type { ObjectMeta, RecordData } from '../api/types';
import { useI18n } from '../i18n';
import { useFormatSettings } from '../state/session';
import { RecordForm } from './RecordForm';
import { applyFieldErrors, errorBanner, formFields, toPayload } from './recordForm';
import { ObjectIcon } from './ObjectIcon';

interface Props {
  object: ObjectMeta;
  open: boolean;
  onClose: () => void;
  onCreated: (record: RecordData) => void;
  /** Prefilled values, e.g. the parent of a related list ({account: id, _display: {account: title}}). */
  prefill?: RecordData | null;
}

/** "New <object>" in a side drawer (full screen on phones). */
export default function RecordFormDrawer({ object, open, onClose, onCreated, prefill }: Props) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const screens = Grid.useBreakpoint();
  const [form] = Form.useForm();
  const [saving, setSaving] = useState(false);
  const [banner, setBanner] = useState<string[] | null>(null);
  const objectLabel = label(object.labels, object.name);

  const submit = async () => {
    setBanner(null);
    let values: Record<string, unknown>;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    try {
      const created = await api.create(object.name, toPayload(object, values, fmt, 'create'));
      message.success(t('common.created', { object: objectLabel }));
      form.resetFields();
      onCreated(created);
    } catch (e) {
      const rest = applyFieldErrors(
        form,
        e,
        formFields(object, 'create').map((f) => f.name),
      );
      setBanner(errorBanner(e, rest, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      width={screens.md ? 720 : '100%'}
      destroyOnHidden
      title={
        <Space>
          <ObjectIcon name={object.name} icon={object.icon} size={28} />
          {t('record.newTitle', { object: objectLabel })}
        </Space>
      }
      extra={null}
      footer={
        <div className="ky-drawer-foot">
          <Button onClick={onClose}>{t('common.cancel')}</Button>
          <Button type="primary" loading={saving} onClick={() => void submit()} data-testid="form-save">
            {t('common.save')}
          </Button>
        </div>
      }
    >
      {banner && <Alert type="error" showIcon message={banner.join(' ')} className="ky-mb" />}
      <RecordForm object={object} form={form} mode="create" record={prefill} columns={screens.md ? 2 : 1} />
    </Drawer>
  );
}

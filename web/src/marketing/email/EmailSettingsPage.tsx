import '../../i18n/marketing-email';
import { App, Button, Form, Input, InputNumber, Skeleton } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError, request } from '../../api/client';
import type { components } from '../../api/schema.gen';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';

type EmailSettings = components['schemas']['EmailSettings'];
const PATH = '/api/v1/marketing/email/settings';

/** Setup › Email marketing: the company's send rate and default sender (administrators). */
export default function EmailSettingsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<EmailSettings>();
  const [loaded, setLoaded] = useState<EmailSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    request<EmailSettings>(PATH)
      .then((s) => {
        setLoaded(s);
        form.setFieldsValue(s);
      })
      .catch(setError);
  }, [form]);

  async function save(values: EmailSettings) {
    setSaving(true);
    try {
      const body = { ...values, from_name: values.from_name || null, from_address: values.from_address || null };
      const saved = await request<EmailSettings>(PATH, { method: 'PUT', body });
      form.setFieldsValue(saved);
      message.success(t('mkEmail.settings.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        form.setFields(e.fieldErrors.map((f) => ({ name: f.field as keyof EmailSettings, errors: [f.message] })));
      } else {
        message.error(errorMessage(e, t));
      }
    } finally {
      setSaving(false);
    }
  }

  if (error) return <ErrorResult error={error} />;
  return (
    <div className="ky-setup-panel" data-testid="email-settings-page">
      <div className="ky-setup-toolbar">
        <h2>{t('mkEmail.settings.title')}</h2>
      </div>
      <p className="ky-page-sub">{t('mkEmail.settings.help')}</p>
      {!loaded ? (
        <Skeleton active paragraph={{ rows: 3 }} />
      ) : (
        <Form form={form} layout="vertical" style={{ maxWidth: 480 }} onFinish={save}>
          <Form.Item name="rate_per_minute" label={t('mkEmail.settings.rate')} rules={[{ required: true }]}>
            <InputNumber min={1} max={100000} style={{ width: '100%' }} data-testid="email-settings-rate" />
          </Form.Item>
          <Form.Item name="from_name" label={t('mkEmail.settings.fromName')}>
            <Input maxLength={100} data-testid="email-settings-from-name" />
          </Form.Item>
          <Form.Item name="from_address" label={t('mkEmail.settings.fromAddress')}>
            <Input type="email" data-testid="email-settings-from-address" />
          </Form.Item>
          <Button type="primary" loading={saving} onClick={() => form.submit()} data-testid="email-settings-save">
            {t('mkEmail.save')}
          </Button>
        </Form>
      )}
    </div>
  );
}

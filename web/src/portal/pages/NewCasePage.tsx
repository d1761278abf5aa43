/**
 * /portal/:tenant/cases/new — a customer opens a case: subject, description, type and urgency.
 * The API files it as a `portal` case of this contact (and their account); the server's field
 * errors are shown beside the fields they name.
 */
import { Alert, App, Button, Form, Input, Segmented, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { CASE_TYPES, PRIORITIES, typeLabel } from '../caseTypes';
import { usePortal } from '../session';
import { fieldErrorsFor, portalErrorText } from '../text';
import type { Priority } from '../types';

interface Values {
  subject: string;
  description?: string;
  type?: string;
  priority: Priority;
}

const FIELDS = ['subject', 'description', 'type', 'priority'] as const;

export default function NewCasePage() {
  const { t, lang } = useI18n();
  const { api, tenant, me } = usePortal();
  const { message: toast } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const list = `/portal/${encodeURIComponent(tenant)}/cases`;
  const locale = me?.locale ?? lang;

  const submit = async (values: Values) => {
    setBusy(true);
    setError(null);
    try {
      const created = await api.createCase({
        subject: values.subject.trim(),
        description: values.description?.trim() || undefined,
        type: values.type || undefined,
        priority: values.priority,
      });
      toast.success(t('portal.new.created', { caseNo: created.case_no }));
      navigate(`${list}/${encodeURIComponent(created.id)}`, { replace: true });
    } catch (e) {
      const beside = fieldErrorsFor(e, FIELDS);
      if (beside.length) form.setFields(beside);
      else setError(portalErrorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ maxWidth: 640 }}>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('portal.new.title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('portal.new.intro')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon className="ky-mb" message={error} data-testid="portal-new-error" />}
      <Form<Values> form={form} layout="vertical" requiredMark={false} initialValues={{ priority: 'medium' }} onFinish={(v) => void submit(v)}>
        <Form.Item
          name="subject"
          label={t('portal.new.subject')}
          rules={[{ required: true, whitespace: true, message: t('portal.new.subjectRequired') }]}
        >
          <Input maxLength={300} placeholder={t('portal.new.subjectPlaceholder')} data-testid="portal-case-subject" />
        </Form.Item>
        <Form.Item name="description" label={t('portal.new.description')}>
          <Input.TextArea rows={6} maxLength={20000} placeholder={t('portal.new.descriptionPlaceholder')} data-testid="portal-case-description" />
        </Form.Item>
        <Form.Item name="type" label={t('portal.new.type')}>
          <Select
            allowClear
            options={CASE_TYPES.map((value) => ({ value, label: typeLabel(value, locale, t) }))}
            data-testid="portal-case-type"
          />
        </Form.Item>
        <Form.Item name="priority" label={t('portal.new.priority')}>
          <Segmented<Priority> options={PRIORITIES.map((p) => ({ value: p, label: t(`portal.priority.${p}`) }))} data-testid="portal-case-priority" />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="portal-case-submit">
            {t('portal.new.submit')}
          </Button>
          <Button onClick={() => navigate(list)}>{t('portal.new.cancel')}</Button>
        </Space>
      </Form>
    </div>
  );
}

import '../../i18n/sms';
import { SaveOutlined, SendOutlined } from '@ant-design/icons';
import { Alert, App, Button, Divider, Form, Input, InputNumber, Radio, Select, Skeleton, Space, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import { callbackUrl, parseParams, PROVIDERS, settingsPayload, settingsToForm, smsApi, type SmsForm, type SmsSettings } from './sms';

interface TestForm {
  phone: string;
  template_code: string;
  params: string;
}

/**
 * Setup › SMS: which provider sends the company's SMS (Alibaba Cloud, Tencent Cloud, or the
 * development log), its keys — the secret write-only: an empty box keeps the saved one — the
 * opt-out keywords, the send rate, the reply callback URLs to give the provider, and a test
 * send that shows the provider's verdict at once.
 */
export default function SmsPage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const [form] = Form.useForm<SmsForm>();
  const [testForm] = Form.useForm<TestForm>();
  const [settings, setSettings] = useState<SmsSettings | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const [testing, setTesting] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const provider = Form.useWatch('provider', form) ?? settings?.provider ?? 'log';

  const load = useCallback(() => {
    setError(null);
    smsApi
      .settings()
      .then((s) => {
        setSettings(s);
        form.setFieldsValue(settingsToForm(s));
      })
      .catch(setError);
  }, [form]);
  useEffect(load, [load]);

  const save = async () => {
    const values = await form.validateFields().catch(() => null);
    if (!values) return;
    setSaving(true);
    try {
      const saved = await smsApi.update(settingsPayload(values));
      setSettings(saved);
      form.setFieldsValue(settingsToForm(saved));
      message.success(t('sms.saved'));
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        form.setFields(e.fieldErrors.map((fe) => ({ name: fe.field as keyof SmsForm, errors: [fe.message] })));
      } else {
        message.error(errorMessage(e, t));
      }
    } finally {
      setSaving(false);
    }
  };

  const sendTest = async () => {
    const values = await testForm.validateFields().catch(() => null);
    if (!values) return;
    const params = parseParams(values.params ?? '');
    if (params === null) {
      testForm.setFields([{ name: 'params', errors: [t('sms.paramsInvalid')] }]);
      return;
    }
    setTesting(true);
    setOutcome(null);
    try {
      const result = await smsApi.test({ phone: values.phone, template_code: values.template_code, params });
      setOutcome(
        result.ok
          ? { ok: true, text: t('sms.testOk', { id: result.message_id ?? '' }) }
          : { ok: false, text: t('sms.testFailed', { error: [result.error_code, result.error_message].filter(Boolean).join(': ') }) },
      );
      smsApi.settings().then(setSettings).catch(() => undefined);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        testForm.setFields(e.fieldErrors.map((fe) => ({ name: fe.field as keyof TestForm, errors: [fe.message] })));
      } else {
        message.error(errorMessage(e, t));
      }
    } finally {
      setTesting(false);
    }
  };

  if (error) return <ErrorResult error={error} onRetry={load} />;
  if (!settings) return <Skeleton active />;
  const vendor = provider === 'aliyun' || provider === 'tencent' ? provider : null;
  return (
    <div className="ky-setup-section" data-testid="sms-page">
      <Typography.Title level={4}>{t('sms.title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('sms.help')}</Typography.Paragraph>
      <Form form={form} layout="vertical" style={{ maxWidth: 640 }} initialValues={settingsToForm(settings)}>
        <Form.Item name="provider" label={t('sms.provider')}>
          <Radio.Group data-testid="sms-provider">
            {PROVIDERS.map((p) => (
              <Radio.Button key={p} value={p}>
                {t(`sms.provider.${p}`)}
              </Radio.Button>
            ))}
          </Radio.Group>
        </Form.Item>
        {vendor && (
          <>
            <Form.Item name="access_key_id" label={t(`sms.accessKeyId.${vendor}`)} rules={[{ required: true, message: t(`sms.accessKeyId.${vendor}`) }]}>
              <Input data-testid="sms-key-id" autoComplete="off" />
            </Form.Item>
            <Form.Item name="access_key_secret" label={t(`sms.secret.${vendor}`)} extra={settings.has_secret ? t('sms.secretKept') : t('sms.secretMissing')}>
              <Input.Password data-testid="sms-secret" autoComplete="new-password" />
            </Form.Item>
            {vendor === 'tencent' && (
              <Form.Item name="sdk_app_id" label={t('sms.sdkAppId')}>
                <Input data-testid="sms-app-id" />
              </Form.Item>
            )}
            <Form.Item name="sign_name" label={t('sms.signName')} extra={t('sms.signNameHelp')}>
              <Input data-testid="sms-sign" maxLength={100} />
            </Form.Item>
            <Form.Item name="region" label={t('sms.region')}>
              <Input placeholder={vendor === 'aliyun' ? 'cn-hangzhou' : 'ap-guangzhou'} />
            </Form.Item>
            <Form.Item name="base_url" label={t('sms.baseUrl')} extra={t('sms.baseUrlHelp')}>
              <Input placeholder={vendor === 'aliyun' ? 'https://dysmsapi.aliyuncs.com/' : 'https://sms.tencentcloudapi.com/'} />
            </Form.Item>
          </>
        )}
        <Form.Item name="opt_out_keywords" label={t('sms.keywords')} extra={t('sms.keywordsHelp')}>
          <Select mode="tags" data-testid="sms-keywords" tokenSeparators={[',', '，']} />
        </Form.Item>
        <Form.Item name="rate_per_minute" label={t('sms.rate')}>
          <InputNumber min={1} max={100000} data-testid="sms-rate" />
        </Form.Item>
        <Button type="primary" icon={<SaveOutlined />} loading={saving} onClick={save} data-testid="sms-save">
          {t('sms.save')}
        </Button>
      </Form>
      {vendor && (
        <>
          <Divider />
          <Typography.Title level={5}>{t('sms.inbound')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('sms.inboundHelp')}</Typography.Paragraph>
          <Typography.Paragraph copyable code data-testid="sms-inbound-url">
            {callbackUrl(settings.inbound_paths[vendor] ?? '', window.location.origin)}
          </Typography.Paragraph>
          <Typography.Title level={5}>{t('sms.report')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('sms.reportHelp')}</Typography.Paragraph>
          <Typography.Paragraph copyable code data-testid="sms-report-url">
            {callbackUrl(settings.report_paths[vendor] ?? '', window.location.origin)}
          </Typography.Paragraph>
        </>
      )}
      <Divider />
      <Typography.Title level={5}>{t('sms.test')}</Typography.Title>
      {settings.last_test_at && settings.last_test_status && (
        <Typography.Paragraph type="secondary" data-testid="sms-last-test">
          {t('sms.lastTest', { status: t(`sms.lastTest.${settings.last_test_status}`), time: formatDateTime(settings.last_test_at, fmt) })}
          {settings.last_test_error ? ` — ${settings.last_test_error}` : ''}
        </Typography.Paragraph>
      )}
      <Form form={testForm} layout="vertical" style={{ maxWidth: 640 }}>
        <Space align="start" wrap>
          <Form.Item name="phone" label={t('sms.testPhone')} rules={[{ required: true, message: t('sms.testPhone') }]}>
            <Input data-testid="sms-test-phone" />
          </Form.Item>
          <Form.Item name="template_code" label={t('sms.testTemplate')} rules={[{ required: true, message: t('sms.testTemplate') }]}>
            <Input data-testid="sms-test-template" />
          </Form.Item>
        </Space>
        <Form.Item name="params" label={t('sms.testParams')} extra={t('sms.testParamsHelp')}>
          <Input.TextArea rows={3} data-testid="sms-test-params" />
        </Form.Item>
        <Button icon={<SendOutlined />} loading={testing} onClick={sendTest} data-testid="sms-test-send">
          {t('sms.testSend')}
        </Button>
      </Form>
      {outcome && <Alert style={{ marginTop: 16, maxWidth: 640 }} type={outcome.ok ? 'success' : 'error'} message={outcome.text} data-testid="sms-test-outcome" showIcon />}
    </div>
  );
}

import { LockOutlined, SafetyOutlined } from '@ant-design/icons';
import { App as AntApp, Alert, Button, Card, Form, Input, Select, Space, Tag, Typography } from 'antd';
import QRCode from 'qrcode';
import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { NewPasswordFields } from '../components/AuthFormFields';
import { errorMessage } from '../components/Status';
import { useI18n, type TFunction } from '../i18n';
import { accountApi, type TotpSetup } from '../lib/account';
import { useSubmission } from '../lib/useSubmission';
import { useSession } from '../state/session';

type FormLike = { setFields: (fields: { name: string; errors: string[] }[]) => void };

/**
 * Put the server's field errors on the form's fields; what belongs to no field is answered as
 * one message (returned for an Alert).
 */
function placeErrors(e: unknown, form: FormLike, fields: string[], t: TFunction): string | null {
  if (e instanceof ApiError && e.fieldErrors.length) {
    const mine = e.fieldErrors.filter((f) => f.field && fields.includes(f.field));
    form.setFields(fields.map((name) => ({ name, errors: mine.filter((f) => f.field === name).map((f) => f.message) })).filter((f) => f.errors.length));
    const rest = e.fieldErrors.filter((f) => !f.field || !fields.includes(f.field));
    return rest.length ? rest.map((f) => f.message).join(' ') : null;
  }
  return errorMessage(e, t);
}

interface ProfileValues {
  name: string;
  phone?: string | null;
  language: string;
}

function ProfileCard() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const { session, signedIn } = useSession();
  const [form] = Form.useForm<ProfileValues>();
  const { submitting: saving, error, run } = useSubmission();
  const user = session?.user;
  if (!user) return null;
  const save = (values: ProfileValues) =>
    run(
      async () => {
        const next = await accountApi.updateProfile({ name: values.name.trim(), phone: values.phone?.trim() || null, language: values.language });
        signedIn(next);
        void message.success(t('profile.saved'));
      },
      (e) => placeErrors(e, form as unknown as FormLike, ['name', 'phone', 'language'], t),
    );
  return (
    <Card title={t('profile.details')} className="ky-mb">
      {error && <Alert type="error" showIcon message={error} className="ky-mb" />}
      <Form<ProfileValues>
        form={form}
        layout="vertical"
        initialValues={{ name: user.name, phone: user.phone ?? '', language: user.language ?? 'zh-CN' }}
        onFinish={(v) => void save(v)}
        style={{ maxWidth: 420 }}
      >
        <Form.Item label={t('login.email')}>
          <Input value={user.email} disabled />
        </Form.Item>
        <Form.Item name="name" label={t('profile.name')} rules={[{ required: true, whitespace: true, message: t('profile.nameRequired') }]}>
          <Input maxLength={100} data-testid="profile-name" />
        </Form.Item>
        <Form.Item name="phone" label={t('profile.phone')}>
          <Input maxLength={50} inputMode="tel" />
        </Form.Item>
        <Form.Item name="language" label={t('lang.switch')}>
          <Select
            options={[
              { value: 'zh-CN', label: t('lang.zh-CN') },
              { value: 'en', label: t('lang.en') },
            ]}
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={saving} data-testid="profile-save">
          {t('profile.save')}
        </Button>
      </Form>
    </Card>
  );
}

interface PasswordValues {
  current_password: string;
  password: string;
  confirm: string;
}

function PasswordCard() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [form] = Form.useForm<PasswordValues>();
  const { submitting: saving, error, run } = useSubmission();
  const save = (values: PasswordValues) =>
    run(
      async () => {
        await accountApi.changePassword(values.current_password, values.password);
        form.resetFields();
        void message.success(t('account.passwordChanged'));
      },
      (e) => placeErrors(e, form as unknown as FormLike, ['current_password', 'password'], t),
    );
  return (
    <Card title={t('account.changePassword')} className="ky-mb">
      <Typography.Paragraph type="secondary">{t('account.changePasswordHelp')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} className="ky-mb" />}
      <Form<PasswordValues> form={form} layout="vertical" onFinish={(v) => void save(v)} style={{ maxWidth: 420 }}>
        <Form.Item name="current_password" label={t('account.currentPassword')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
          <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="current-password" />
        </Form.Item>
        <NewPasswordFields passwordTestId="new-password" confirmTestId="confirm-password" />
        <Button type="primary" htmlType="submit" loading={saving} data-testid="password-save">
          {t('account.changePassword')}
        </Button>
      </Form>
    </Card>
  );
}

/** Two-factor sign-in: set up (QR code + secret, confirmed by a first code) or switch off. */
function TotpCard() {
  const { t } = useI18n();
  const { message } = AntApp.useApp();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const { submitting: busy, error, setError, run: submit } = useSubmission();
  const [codeForm] = Form.useForm<{ code: string }>();
  const [offForm] = Form.useForm<{ password: string }>();

  const load = useCallback(() => {
    accountApi
      .security()
      .then((s) => setEnabled(s.totp_enabled))
      .catch((e: unknown) => setError(errorMessage(e, t)));
  }, [t, setError]);
  useEffect(load, [load]);

  useEffect(() => {
    if (!setup) {
      setQr(null);
      return;
    }
    let live = true;
    QRCode.toDataURL(setup.uri, { margin: 1, width: 200 }).then(
      (url) => live && setQr(url),
      () => live && setQr(null),
    );
    return () => {
      live = false;
    };
  }, [setup]);

  const run = (action: () => Promise<void>, form: FormLike, fields: string[]) =>
    submit(action, (e) => placeErrors(e, form, fields, t));

  const start = () =>
    run(async () => setSetup(await accountApi.totpSetup()), codeForm as unknown as FormLike, []);
  const confirm = ({ code }: { code: string }) =>
    run(
      async () => {
        await accountApi.totpEnable(code.trim());
        setSetup(null);
        setEnabled(true);
        codeForm.resetFields();
        void message.success(t('totp.enabled'));
      },
      codeForm as unknown as FormLike,
      ['code'],
    );
  const disable = ({ password }: { password: string }) =>
    run(
      async () => {
        await accountApi.totpDisable(password);
        setEnabled(false);
        offForm.resetFields();
        void message.success(t('totp.disabled'));
      },
      offForm as unknown as FormLike,
      ['password'],
    );

  return (
    <Card
      title={
        <Space>
          <SafetyOutlined />
          {t('totp.title')}
          {enabled !== null && (
            <Tag color={enabled ? 'green' : 'default'} data-testid="totp-status">
              {enabled ? t('totp.on') : t('totp.off')}
            </Tag>
          )}
        </Space>
      }
      className="ky-mb"
    >
      <Typography.Paragraph type="secondary">{t('totp.help')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon message={error} className="ky-mb" />}
      {enabled === false && !setup && (
        <Button type="primary" onClick={() => void start()} loading={busy} data-testid="totp-start">
          {t('totp.setUp')}
        </Button>
      )}
      {enabled === false && setup && (
        <div data-testid="totp-setup">
          <Typography.Paragraph>{t('totp.scan')}</Typography.Paragraph>
          {qr ? <img src={qr} alt={t('totp.qrAlt')} width={200} height={200} data-testid="totp-qr" /> : null}
          <Typography.Paragraph>
            {t('totp.manual')}{' '}
            <Typography.Text code copyable data-testid="totp-secret">
              {setup.secret}
            </Typography.Text>
          </Typography.Paragraph>
          <Form form={codeForm} layout="inline" onFinish={(v: { code: string }) => void confirm(v)}>
            <Form.Item name="code" rules={[{ required: true, pattern: /^\s*\d{6,8}\s*$/, message: t('login.totpRequired') }]}>
              <Input
                placeholder={t('login.totp')}
                aria-label={t('login.totp')}
                autoComplete="one-time-code"
                inputMode="numeric"
                maxLength={8}
                data-testid="totp-code"
              />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={busy} data-testid="totp-enable">
              {t('totp.confirm')}
            </Button>
            <Button onClick={() => setSetup(null)}>{t('totp.cancel')}</Button>
          </Form>
        </div>
      )}
      {enabled === true && (
        <Form form={offForm} layout="inline" onFinish={(v: { password: string }) => void disable(v)}>
          <Form.Item name="password" rules={[{ required: true, message: t('login.passwordRequired') }]}>
            <Input.Password placeholder={t('account.currentPassword')} aria-label={t('account.currentPassword')} autoComplete="current-password" data-testid="totp-disable-password" />
          </Form.Item>
          <Button danger htmlType="submit" loading={busy} data-testid="totp-disable">
            {t('totp.disable')}
          </Button>
        </Form>
      )}
    </Card>
  );
}

/** The signed-in person's own page: profile details, password, two-factor sign-in. */
export default function ProfilePage() {
  const { t } = useI18n();
  useEffect(() => {
    document.title = `${t('profile.title')} · ${t('app.name')}`;
  }, [t]);
  return (
    <div className="ky-page" style={{ maxWidth: 760 }}>
      <Typography.Title level={3}>{t('profile.title')}</Typography.Title>
      <ProfileCard />
      <PasswordCard />
      <TotpCard />
    </div>
  );
}

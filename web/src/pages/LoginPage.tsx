import { ArrowLeftOutlined, LockOutlined, SafetyOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Radio, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../api/client';
import { api } from '../api/endpoints';
import { EmailField, SubmitButton } from '../components/AuthFormFields';
import { AuthLayout } from '../components/AuthLayout';
import SsoButtons, { rememberTenant, ssoErrorKey } from '../components/SsoButtons';
import { errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { useSubmission } from '../lib/useSubmission';
import { useSession } from '../state/session';

interface Creds {
  email: string;
  password: string;
  /** The authenticator code, asked for once the server answers totp_required. */
  totp?: string;
}

/** Only same-app paths are allowed as a redirect target after login. */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return '/';
  return next;
}

export default function LoginPage() {
  const { t } = useI18n();
  const { status, signedIn } = useSession();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const ssoError = ssoErrorKey(params.get('sso_error'));
  const [form] = Form.useForm<Creds>();
  const { submitting, error, setError, run } = useSubmission();
  const [tenants, setTenants] = useState<string[] | null>(null);
  const [tenant, setTenant] = useState<string | null>(null);
  const [creds, setCreds] = useState<Creds | null>(null);
  const [needTotp, setNeedTotp] = useState(false);

  useEffect(() => {
    document.title = `${t('login.title')} · ${t('app.name')}`;
  }, [t]);

  if (status === 'authenticated') return <Navigate to={next} replace />;

  const attempt = (c: Creds, chosenTenant?: string | null) =>
    run(
      async () => {
        const res = await api.login(c.email.trim(), c.password, chosenTenant, needTotp ? c.totp?.trim() : null);
        rememberTenant(res.tenant?.name);
        signedIn(res);
        navigate(next, { replace: true });
      },
      (e) => {
        if (e instanceof ApiError && e.status === 409 && Array.isArray(e.problem.tenants)) {
          const list = (e.problem.tenants as unknown[]).map(String);
          setCreds(c);
          setTenants(list);
          setTenant(list[0] ?? null);
          return null;
        }
        if (e instanceof ApiError && e.code === 'totp_required') {
          // Two-factor sign-in: the password was right; ask for the code and send both again.
          setNeedTotp(true);
          if (needTotp) form.setFields([{ name: 'totp', errors: [errorMessage(e, t)] }]);
          return null;
        }
        return errorMessage(e, t);
      },
    );

  return (
    <AuthLayout>
          {tenants ? (
            <>
              <Typography.Title level={3}>{t('login.chooseTenant')}</Typography.Title>
              <Typography.Paragraph type="secondary">{t('login.chooseTenantHelp')}</Typography.Paragraph>
              {error && <Alert type="error" showIcon message={error} className="ky-mb" />}
              <Radio.Group
                className="ky-tenant-list"
                value={tenant}
                onChange={(e) => setTenant(e.target.value as string)}
                aria-label={t('login.tenant')}
              >
                {tenants.map((name) => (
                  <Radio key={name} value={name} className="ky-tenant-option">
                    {name}
                  </Radio>
                ))}
              </Radio.Group>
              <Button
                type="primary"
                size="large"
                block
                loading={submitting}
                disabled={!tenant}
                onClick={() => creds && void attempt(creds, tenant)}
                data-testid="tenant-submit"
              >
                {t('login.submit')}
              </Button>
              <Button
                type="link"
                icon={<ArrowLeftOutlined />}
                onClick={() => {
                  setTenants(null);
                  setError(null);
                }}
                className="ky-mt"
              >
                {t('login.back')}
              </Button>
            </>
          ) : (
            <>
              <Typography.Title level={3}>{t('login.title')}</Typography.Title>
              <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
              {error && <Alert type="error" showIcon message={error} className="ky-mb" data-testid="login-error" />}
              {ssoError && !error && <Alert type="error" showIcon message={t(ssoError)} className="ky-mb" data-testid="sso-error" />}
              <Form<Creds> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void attempt(v)} size="large">
                <EmailField />
                <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
                  <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
                </Form.Item>
                {needTotp && (
                  <Form.Item
                    name="totp"
                    label={t('login.totp')}
                    extra={t('login.totpHelp')}
                    rules={[{ required: true, pattern: /^\s*\d{6,8}\s*$/, message: t('login.totpRequired') }]}
                  >
                    <Input
                      prefix={<SafetyOutlined />}
                      autoComplete="one-time-code"
                      inputMode="numeric"
                      maxLength={8}
                      autoFocus
                      data-testid="login-totp"
                    />
                  </Form.Item>
                )}
                <SubmitButton loading={submitting} testId="login-submit">
                  {t('login.submit')}
                </SubmitButton>
              </Form>
              <div className="ky-mt">
                <Link to="/forgot-password" data-testid="forgot-link">
                  {t('login.forgot')}
                </Link>
              </div>
              <SsoButtons tenant={params.get('tenant')} next={next} />
            </>
          )}
    </AuthLayout>
  );
}

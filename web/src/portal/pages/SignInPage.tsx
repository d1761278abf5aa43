/**
 * /portal/:tenant — sign in with email and password, or have a one-time link mailed.
 * Asking for a link always answers the same (the API never says whether an address has an
 * account), so the page says "if … has an account".
 */
import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Result, Tabs, Typography } from 'antd';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { AuthFrame, PortalSpinner } from '../frame';
import { usePortal } from '../session';
import { portalErrorText } from '../text';

/** Where to go after signing in: a `next` inside this tenant's portal, else the case list. */
export function afterSignIn(tenant: string, next: string | null): string {
  const base = `/portal/${encodeURIComponent(tenant)}`;
  if (next && next.startsWith(`${base}/`) && !next.startsWith('//')) return next;
  return `${base}/cases`;
}

export default function SignInPage() {
  const { t } = useI18n();
  const { api, tenant, status, companyName, signedIn, expired } = usePortal();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [tab, setTab] = useState(params.get('tab') === 'link' ? 'link' : 'password');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [linkSentTo, setLinkSentTo] = useState<string | null>(null);
  const next = params.get('next');

  if (status === 'loading') return <PortalSpinner />;
  if (status === 'authenticated') return <Navigate to={afterSignIn(tenant, next)} replace />;

  const signIn = async (values: { email: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      const session = await api.login(values.email.trim(), values.password);
      signedIn(session);
      navigate(afterSignIn(tenant, next), { replace: true });
    } catch (e) {
      setError(portalErrorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const askLink = async (values: { email: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api.requestLink(values.email.trim());
      setLinkSentTo(values.email.trim());
    } catch (e) {
      setError(portalErrorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  const emailRules = [
    { required: true, message: t('portal.login.emailRequired') },
    { type: 'email' as const, message: t('portal.login.emailInvalid') },
  ];

  const passwordForm = (
    <Form layout="vertical" requiredMark={false} onFinish={(v) => void signIn(v)} size="large">
      <Form.Item name="email" label={t('portal.login.email')} rules={emailRules}>
        <Input prefix={<MailOutlined />} type="email" autoComplete="username" inputMode="email" data-testid="portal-login-email" />
      </Form.Item>
      <Form.Item name="password" label={t('portal.login.password')} rules={[{ required: true, message: t('portal.login.passwordRequired') }]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="portal-login-password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="portal-login-submit">
        {t('portal.login.submit')}
      </Button>
    </Form>
  );

  const linkForm = linkSentTo ? (
    <div data-testid="portal-link-sent">
      <Result
        status="success"
        title={t('portal.login.linkSent')}
        subTitle={t('portal.login.linkSentDetail', { email: linkSentTo })}
        extra={<Button onClick={() => setLinkSentTo(null)}>{t('portal.login.linkAgain')}</Button>}
      />
    </div>
  ) : (
    <Form layout="vertical" requiredMark={false} onFinish={(v) => void askLink(v)} size="large">
      <Typography.Paragraph type="secondary">{t('portal.login.linkHelp')}</Typography.Paragraph>
      <Form.Item name="email" label={t('portal.login.email')} rules={emailRules}>
        <Input prefix={<MailOutlined />} type="email" autoComplete="username" inputMode="email" data-testid="portal-link-email" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={busy} data-testid="portal-link-submit">
        {t('portal.login.linkSubmit')}
      </Button>
    </Form>
  );

  return (
    <AuthFrame>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('portal.login.heading', { company: companyName })}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{t('portal.login.subtitle')}</Typography.Paragraph>
      {expired && !error && <Alert type="info" showIcon className="ky-mb" message={t('portal.signedOut')} data-testid="portal-expired" />}
      {error && <Alert type="error" showIcon className="ky-mb" message={error} data-testid="portal-login-error" />}
      <Tabs
        activeKey={tab}
        onChange={(k) => {
          setTab(k);
          setError(null);
        }}
        items={[
          { key: 'password', label: t('portal.login.tab.password'), children: passwordForm },
          { key: 'link', label: t('portal.login.tab.link'), children: linkForm },
        ]}
      />
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0, fontSize: 13 }}>
        {t('portal.login.noAccount', { company: companyName })}
      </Typography.Paragraph>
    </AuthFrame>
  );
}

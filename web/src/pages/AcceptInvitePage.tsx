import { LockOutlined, SafetyOutlined } from '@ant-design/icons';
import { Alert, Form, Input, Result, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { ConfirmPasswordField, SubmitButton } from '../components/AuthFormFields';
import { AuthLayout } from '../components/AuthLayout';
import { errorMessage } from '../components/Status';
import { useI18n, type TFunction } from '../i18n';
import { formatDateTime } from '../lib/format';
import { useSubmission } from '../lib/useSubmission';
import { tokenFrom, usersApi, type InvitationInfo } from '../lib/users';
import { useFormatSettings, useSession } from '../state/session';

interface Values {
  password: string;
  confirm?: string;
  totp?: string;
}

/** The server's own words for a refused invitation (its field messages, not "token: …"). */
function problemText(e: unknown, t: TFunction): string {
  if (e instanceof ApiError && e.fieldErrors.length) return e.fieldErrors.map((f) => f.message).join(' ');
  return errorMessage(e, t);
}

/**
 * Where an invitation link lands (public, no sign-in). A new person chooses a password; someone
 * whose email already signs in to Keyi (another company) proves their current password — and
 * TOTP code when they use one — instead. Success signs in and opens the workspace.
 */
export default function AcceptInvitePage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { signedIn } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const token = tokenFrom(location.search);
  const [form] = Form.useForm<Values>();
  const [info, setInfo] = useState<InvitationInfo | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const { submitting, error, run } = useSubmission();
  const [needTotp, setNeedTotp] = useState(false);

  useEffect(() => {
    document.title = `${t('invite.pageTitle')} · ${t('app.name')}`;
  }, [t]);

  useEffect(() => {
    if (!token) return;
    const ctrl = new AbortController();
    setInfo(null);
    setLoadError(null);
    usersApi
      .invitation(token)
      .then((i) => {
        if (!ctrl.signal.aborted) setInfo(i);
      })
      .catch((e: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(e);
      });
    return () => ctrl.abort();
  }, [token]);

  const submit = async (values: Values) => {
    if (!token) return;
    await run(
      async () => {
        const answer = await usersApi.accept(token, values.password, needTotp ? values.totp : null);
        signedIn(answer);
        navigate('/', { replace: true });
      },
      (e) => {
        if (e instanceof ApiError && e.code === 'totp_required') {
          setNeedTotp(true);
          if (needTotp) form.setFields([{ name: 'totp', errors: [problemText(e, t)] }]);
          return null;
        }
        if (e instanceof ApiError && e.fieldErrors.length) {
          const onForm = e.fieldErrors.filter((f) => f.field === 'password' || f.field === 'totp');
          form.setFields(
            ['password', 'totp']
              .map((name) => ({ name: name as keyof Values, errors: onForm.filter((f) => f.field === name).map((f) => f.message) }))
              .filter((f) => f.errors.length),
          );
          const rest = e.fieldErrors.filter((f) => f.field !== 'password' && f.field !== 'totp');
          return rest.length ? rest.map((f) => f.message).join(' ') : null;
        }
        return problemText(e, t);
      },
    );
  };

  const company = info ? info.tenant.label || info.tenant.name : '';
  let body;
  if (!token) {
    body = <Result status="warning" title={t('invite.invalid')} subTitle={t('invite.noToken')} extra={<Link to="/login">{t('invite.toLogin')}</Link>} />;
  } else if (loadError) {
    body = (
      <Result
        status="warning"
        title={t('invite.invalid')}
        subTitle={<span data-testid="invite-invalid">{problemText(loadError, t)}</span>}
        extra={<Link to="/login">{t('invite.toLogin')}</Link>}
      />
    );
  } else if (!info) {
    body = (
      <div style={{ textAlign: 'center', padding: 48 }}>
        <Spin />
      </div>
    );
  } else {
    const fresh = info.needs_new_password;
    body = (
      <>
        <Typography.Title level={3} data-testid="invite-company">
          {t('invite.title', { company })}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {t('invite.subtitle', { email: info.email })}
          <br />
          {t('invite.expires', { at: formatDateTime(info.expires_at, fmt) })}
        </Typography.Paragraph>
        {!fresh && <Alert type="info" showIcon className="ky-mb" message={t('invite.existing', { company })} data-testid="invite-existing" />}
        {error && <Alert type="error" showIcon className="ky-mb" message={error} data-testid="invite-error" />}
        <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} size="large">
          {/* Lets password managers store the new password under the right account. */}
          <input type="email" name="username" autoComplete="username" value={info.email} readOnly hidden />
          <Form.Item
            name="password"
            label={fresh ? t('invite.password') : t('invite.currentPassword')}
            extra={fresh ? t('invite.policy') : undefined}
            rules={[{ required: true, message: t('invite.passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete={fresh ? 'new-password' : 'current-password'} autoFocus data-testid="invite-password" />
          </Form.Item>
          {fresh && (
            <ConfirmPasswordField
              label={t('invite.confirm')}
              requiredMessage={t('invite.confirmRequired')}
              mismatchMessage={t('invite.mismatch')}
              testId="invite-confirm"
            />
          )}
          {needTotp && (
            <Form.Item name="totp" label={t('invite.totp')} extra={t('invite.totpHelp')} rules={[{ required: true, message: t('invite.totpRequired') }]}>
              <Input prefix={<SafetyOutlined />} inputMode="numeric" autoComplete="one-time-code" maxLength={12} autoFocus data-testid="invite-totp" />
            </Form.Item>
          )}
          <SubmitButton loading={submitting} testId="invite-accept">
            {t('invite.submit')}
          </SubmitButton>
        </Form>
      </>
    );
  }

  return (
    <AuthLayout title={company ? t('invite.heroCompany', { company }) : t('login.hero.title')} points={[t('login.hero.point1'), t('login.hero.point3')]} cardTestId="accept-invite">
          {body}
    </AuthLayout>
  );
}

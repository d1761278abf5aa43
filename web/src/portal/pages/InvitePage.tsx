/**
 * /portal/:tenant/invite/:token — the invitation email's link: shows who is invited (name,
 * email, company), takes a new password, and signs in. The password policy's refusals are shown
 * beside the password field, in the server's words.
 */
import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Descriptions, Form, Input, Result, Spin, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { AuthFrame } from '../frame';
import { usePortal } from '../session';
import { fieldErrorsFor, portalErrorText } from '../text';
import type { Invitation } from '../types';
import { linkProblem } from './LinkPage';

interface Values {
  password: string;
  confirm: string;
}

export default function InvitePage() {
  const { token = '' } = useParams();
  const { t } = useI18n();
  const { api, tenant, companyName, signedIn } = usePortal();
  const navigate = useNavigate();
  const [form] = Form.useForm<Values>();
  const [invitation, setInvitation] = useState<Invitation | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signIn = `/portal/${encodeURIComponent(tenant)}`;

  useEffect(() => {
    const ctrl = new AbortController();
    api.invitation(token, ctrl.signal).then(
      (found) => setInvitation(found),
      (e: unknown) => {
        if (!ctrl.signal.aborted) setLoadError(e);
      },
    );
    return () => ctrl.abort();
  }, [api, token]);

  const accept = async (values: Values) => {
    setBusy(true);
    setError(null);
    try {
      const session = await api.acceptInvitation(token, values.password);
      signedIn(session);
      navigate(`${signIn}/cases`, { replace: true });
    } catch (e) {
      const kind = linkProblem(e);
      if (kind && e instanceof ApiError && e.status !== 422) {
        setLoadError(e);
        return;
      }
      const beside = fieldErrorsFor(e, ['password'] as const);
      if (beside.length) form.setFields(beside);
      const rest = e instanceof ApiError ? e.fieldErrors.filter((f) => f.field !== 'password') : [];
      if (!beside.length || rest.length) setError(rest.length ? rest.map((f) => f.message).join(' ') : portalErrorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  let body;
  if (loadError) {
    const kind = linkProblem(loadError);
    body = (
      <div data-testid="portal-invite-failed">
        <Result
          status="warning"
          title={kind ? t(`portal.invite.${kind}`) : portalErrorText(loadError, t)}
          subTitle={kind ? t(`portal.invite.${kind}Detail`) : undefined}
          extra={<Link to={signIn}>{t('portal.invite.toSignIn')}</Link>}
        />
      </div>
    );
  } else if (!invitation) {
    body = (
      <div style={{ textAlign: 'center', padding: 24 }}>
        <Spin />
      </div>
    );
  } else {
    body = (
      <>
        <Typography.Title level={3} style={{ marginTop: 0 }} data-testid="portal-invite-name">
          {t('portal.invite.heading', { name: invitation.name })}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t('portal.invite.intro', { company: companyName })}</Typography.Paragraph>
        <Descriptions size="small" column={1} className="ky-mb">
          <Descriptions.Item label={t('portal.invite.account')}>{invitation.email}</Descriptions.Item>
          {invitation.company && <Descriptions.Item label={t('portal.invite.companyLabel')}>{invitation.company}</Descriptions.Item>}
        </Descriptions>
        {error && <Alert type="error" showIcon className="ky-mb" message={error} data-testid="portal-invite-error" />}
        <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void accept(v)} size="large">
          {/* lets a password manager file the new password under the right account */}
          <input type="email" name="username" autoComplete="username" value={invitation.email} readOnly hidden />
          <Form.Item
            name="password"
            label={t('portal.invite.password')}
            extra={t('portal.invite.policy')}
            rules={[{ required: true, message: t('portal.invite.passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="portal-invite-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('portal.invite.confirm')}
            dependencies={['password']}
            rules={[
              { required: true, message: t('portal.invite.confirmRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value) => (!value || getFieldValue('password') === value ? Promise.resolve() : Promise.reject(new Error(t('portal.invite.mismatch')))),
              }),
            ]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="portal-invite-confirm" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={busy} data-testid="portal-invite-submit">
            {t('portal.invite.submit')}
          </Button>
        </Form>
      </>
    );
  }
  return <AuthFrame>{body}</AuthFrame>;
}

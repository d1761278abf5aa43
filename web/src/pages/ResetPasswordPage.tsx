import { LockOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Result, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { ApiError } from '../api/client';
import { AuthLayout } from '../components/AuthLayout';
import { errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { accountApi, resetTokenFrom } from '../lib/account';

interface Values {
  password: string;
  confirm: string;
}

/**
 * Where a mailed reset link lands (public). The new password must pass the server's policy;
 * its refusal is shown on the field. Success signs the person out everywhere, so they sign in
 * again (with their second factor, if they use one) from the login page.
 */
export default function ResetPasswordPage() {
  const { t } = useI18n();
  const location = useLocation();
  const token = resetTokenFrom(location.search);
  const [form] = Form.useForm<Values>();
  const [done, setDone] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    document.title = `${t('reset.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = async (values: Values) => {
    if (!token) return;
    setSubmitting(true);
    setError(null);
    try {
      await accountApi.resetPassword(token, values.password);
      setDone(true);
    } catch (e) {
      const onPassword = e instanceof ApiError ? e.fieldErrors.filter((f) => f.field === 'password') : [];
      if (onPassword.length) form.setFields([{ name: 'password', errors: onPassword.map((f) => f.message) }]);
      else if (e instanceof ApiError && e.fieldErrors.length) setError(e.fieldErrors.map((f) => f.message).join(' '));
      else setError(errorMessage(e, t));
    } finally {
      setSubmitting(false);
    }
  };

  let body;
  if (!token) {
    body = <Result status="warning" title={t('reset.invalid')} extra={<Link to="/forgot-password">{t('reset.again')}</Link>} />;
  } else if (done) {
    body = (
      <Result
        status="success"
        title={<span data-testid="reset-done">{t('reset.done')}</span>}
        subTitle={t('reset.doneHelp')}
        extra={<Link to="/login">{t('forgot.toLogin')}</Link>}
      />
    );
  } else {
    body = (
      <>
        <Typography.Title level={3}>{t('reset.title')}</Typography.Title>
        <Typography.Paragraph type="secondary">{t('reset.subtitle')}</Typography.Paragraph>
        {error && (
          <Alert
            type="error"
            showIcon
            message={error}
            className="ky-mb"
            data-testid="reset-error"
            action={<Link to="/forgot-password">{t('reset.again')}</Link>}
          />
        )}
        <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} size="large">
          <Form.Item name="password" label={t('account.newPassword')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" autoFocus />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('account.confirmPassword')}
            dependencies={['password']}
            rules={[
              { required: true, message: t('login.passwordRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value) =>
                  !value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('account.mismatch'))),
              }),
            ]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" block loading={submitting} data-testid="reset-submit">
            {t('reset.submit')}
          </Button>
        </Form>
      </>
    );
  }
  return (
    <AuthLayout title={t('login.hero.title')} points={[t('login.hero.point1'), t('login.hero.point2'), t('login.hero.point3')]}>
      {body}
    </AuthLayout>
  );
}

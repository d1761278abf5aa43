import { Alert, Form, Result, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { ApiError } from '../api/client';
import { NewPasswordFields, SubmitButton } from '../components/AuthFormFields';
import { AuthLayout } from '../components/AuthLayout';
import { errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { accountApi, resetTokenFrom } from '../lib/account';
import { useSubmission } from '../lib/useSubmission';

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
  const { submitting, error, run } = useSubmission();

  useEffect(() => {
    document.title = `${t('reset.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = async (values: Values) => {
    if (!token) return;
    await run(
      async () => {
        await accountApi.resetPassword(token, values.password);
        setDone(true);
      },
      (e) => {
        const onPassword = e instanceof ApiError ? e.fieldErrors.filter((f) => f.field === 'password') : [];
        if (onPassword.length) {
          form.setFields([{ name: 'password', errors: onPassword.map((f) => f.message) }]);
          return null;
        }
        if (e instanceof ApiError && e.fieldErrors.length) return e.fieldErrors.map((f) => f.message).join(' ');
        return errorMessage(e, t);
      },
    );
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
          <NewPasswordFields autoFocus />
          <SubmitButton loading={submitting} testId="reset-submit">
            {t('reset.submit')}
          </SubmitButton>
        </Form>
      </>
    );
  }
  return (
    <AuthLayout>
      {body}
    </AuthLayout>
  );
}

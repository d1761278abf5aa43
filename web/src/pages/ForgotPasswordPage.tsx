import { Alert, Form, Result, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { EmailField, SubmitButton } from '../components/AuthFormFields';
import { AuthLayout } from '../components/AuthLayout';
import { errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { accountApi } from '../lib/account';
import { useSubmission } from '../lib/useSubmission';

/**
 * "Forgot password": asks for the email and always says the same thing afterwards — the
 * server answers 202 whether or not the email has an account, so the page cannot tell either.
 */
export default function ForgotPasswordPage() {
  const { t } = useI18n();
  const [sent, setSent] = useState<string | null>(null);
  const { submitting, error, run } = useSubmission();

  useEffect(() => {
    document.title = `${t('forgot.title')} · ${t('app.name')}`;
  }, [t]);

  const submit = ({ email }: { email: string }) =>
    run(
      async () => {
        await accountApi.forgotPassword(email.trim());
        setSent(email.trim());
      },
      (e) => errorMessage(e, t),
    );

  return (
    <AuthLayout>
      {sent ? (
        <Result
          status="success"
          title={t('forgot.sentTitle')}
          subTitle={<span data-testid="forgot-sent">{t('forgot.sent', { email: sent })}</span>}
          extra={<Link to="/login">{t('forgot.toLogin')}</Link>}
        />
      ) : (
        <>
          <Typography.Title level={3}>{t('forgot.title')}</Typography.Title>
          <Typography.Paragraph type="secondary">{t('forgot.subtitle')}</Typography.Paragraph>
          {error && <Alert type="error" showIcon message={error} className="ky-mb" />}
          <Form layout="vertical" requiredMark={false} onFinish={(v: { email: string }) => void submit(v)} size="large">
            <EmailField />
            <SubmitButton loading={submitting} testId="forgot-submit">
              {t('forgot.submit')}
            </SubmitButton>
          </Form>
          <div className="ky-mt">
            <Link to="/login">{t('forgot.toLogin')}</Link>
          </div>
        </>
      )}
    </AuthLayout>
  );
}

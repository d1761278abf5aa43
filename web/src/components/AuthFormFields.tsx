import { LockOutlined, MailOutlined } from '@ant-design/icons';
import { Button, Form, Input } from 'antd';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n';

/**
 * Form pieces shared by the sign-in, password and invitation pages. One place for them so the
 * rules (email shape, "the two passwords must match") cannot drift apart between pages.
 */

/** The sign-in email field (login, forgot password): required, email-shaped, autofilled as the username. */
export function EmailField() {
  const { t } = useI18n();
  return (
    <Form.Item
      name="email"
      label={t('login.email')}
      rules={[
        { required: true, message: t('login.emailRequired') },
        { type: 'email', message: t('login.emailInvalid') },
      ]}
    >
      <Input prefix={<MailOutlined />} autoComplete="username" inputMode="email" autoFocus />
    </Form.Item>
  );
}

/**
 * The "repeat the new password" field: required and equal to the form's `password` field. Its
 * texts are given by the page (the invitation page words them its own way).
 */
export function ConfirmPasswordField({
  label,
  requiredMessage,
  mismatchMessage,
  testId,
}: {
  label: string;
  requiredMessage: string;
  mismatchMessage: string;
  testId?: string;
}) {
  return (
    <Form.Item
      name="confirm"
      label={label}
      dependencies={['password']}
      rules={[
        { required: true, message: requiredMessage },
        ({ getFieldValue }) => ({
          validator: (_, value: string | undefined) =>
            !value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(mismatchMessage)),
        }),
      ]}
    >
      <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid={testId} />
    </Form.Item>
  );
}

/** A new password and its confirmation (reset page, profile page): form fields `password` and `confirm`. */
export function NewPasswordFields({
  autoFocus,
  passwordTestId,
  confirmTestId,
}: {
  autoFocus?: boolean;
  passwordTestId?: string;
  confirmTestId?: string;
}) {
  const { t } = useI18n();
  return (
    <>
      <Form.Item name="password" label={t('account.newPassword')} rules={[{ required: true, message: t('login.passwordRequired') }]}>
        <Input.Password prefix={<LockOutlined />} autoComplete="new-password" autoFocus={autoFocus} data-testid={passwordTestId} />
      </Form.Item>
      <ConfirmPasswordField
        label={t('account.confirmPassword')}
        requiredMessage={t('login.passwordRequired')}
        mismatchMessage={t('account.mismatch')}
        testId={confirmTestId}
      />
    </>
  );
}

/** The full-width primary button that sends a signed-out page's form. */
export function SubmitButton({ loading, testId, children }: { loading: boolean; testId: string; children: ReactNode }) {
  return (
    <Button type="primary" htmlType="submit" block loading={loading} data-testid={testId}>
      {children}
    </Button>
  );
}

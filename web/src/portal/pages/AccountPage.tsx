/**
 * /portal/:tenant/account — who is signed in (name, email, company) and a password change.
 * Changing the password signs the customer out everywhere else (the API revokes the other
 * sessions); the policy's refusals and a wrong current password show beside their fields.
 */
import { LockOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Descriptions, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { usePortal } from '../session';
import { fieldErrorsFor, portalErrorText } from '../text';

interface Values {
  current_password: string;
  new_password: string;
  confirm: string;
}

const FIELDS = ['current_password', 'new_password'] as const;

export default function AccountPage() {
  const { t } = useI18n();
  const { api, me } = usePortal();
  const { message: toast } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const change = async (values: Values) => {
    setBusy(true);
    setError(null);
    try {
      await api.changePassword(values.current_password, values.new_password);
      form.resetFields();
      toast.success(t('portal.account.changed'));
    } catch (e) {
      const beside = fieldErrorsFor(e, FIELDS);
      if (beside.length) form.setFields(beside);
      else if (e instanceof ApiError && (e.code === 'bad_credentials' || e.code === 'wrong_password'))
        form.setFields([{ name: 'current_password', errors: [t('portal.account.wrongCurrent')] }]);
      else setError(portalErrorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div style={{ maxWidth: 520 }}>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('portal.account.title')}
      </Typography.Title>
      <Descriptions size="small" column={1} className="ky-mb">
        <Descriptions.Item label={t('portal.account.name')}>{me?.name}</Descriptions.Item>
        <Descriptions.Item label={t('portal.account.email')}>{me?.email}</Descriptions.Item>
        {me?.account && <Descriptions.Item label={t('portal.account.company')}>{me.account.name}</Descriptions.Item>}
      </Descriptions>
      <Card size="small" title={t('portal.account.password')}>
        {error && <Alert type="error" showIcon className="ky-mb" message={error} />}
        <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void change(v)}>
          <input type="email" name="username" autoComplete="username" value={me?.email ?? ''} readOnly hidden />
          <Form.Item name="current_password" label={t('portal.account.current')} rules={[{ required: true, message: t('portal.account.currentRequired') }]}>
            <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="portal-current-password" />
          </Form.Item>
          <Form.Item
            name="new_password"
            label={t('portal.account.new')}
            extra={t('portal.invite.policy')}
            rules={[{ required: true, message: t('portal.invite.passwordRequired') }]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="portal-new-password" />
          </Form.Item>
          <Form.Item
            name="confirm"
            label={t('portal.invite.confirm')}
            dependencies={['new_password']}
            rules={[
              { required: true, message: t('portal.invite.confirmRequired') },
              ({ getFieldValue }) => ({
                validator: (_, value) => (!value || getFieldValue('new_password') === value ? Promise.resolve() : Promise.reject(new Error(t('portal.invite.mismatch')))),
              }),
            ]}
          >
            <Input.Password prefix={<LockOutlined />} autoComplete="new-password" data-testid="portal-confirm-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy} data-testid="portal-password-submit">
            {t('portal.account.submit')}
          </Button>
        </Form>
      </Card>
    </div>
  );
}

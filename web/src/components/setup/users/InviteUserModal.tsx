import { MailOutlined } from '@ant-design/icons';
import { Alert, Button, Checkbox, Form, Input, Modal, Select } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from '../../../api/client';
import { LookupSelect, type LookupValue } from '../../../fields/LookupSelect';
import { useI18n } from '../../../i18n';
import { inviteBody, placeErrors, usersApi, type InviteFormValues, type IssuedInvitation } from '../../../lib/users';
import { errorMessage } from '../../Status';
import { InvitationLink } from './InvitationLink';
import './users.css';

/** Form inputs the API's field errors can be shown next to. */
const FORM_FIELDS = ['email', 'name', 'title', 'role', 'department', 'manager', 'is_admin', 'language'] as const;

interface Props {
  open: boolean;
  onClose: () => void;
  /** Called once the user exists (so the list can show the new row). */
  onInvited: (issued: IssuedInvitation) => void;
}

/** Lookup pickers wired as antd form controls (value/onChange come from Form.Item). */
function RefInput({ target, value, onChange, testid }: { target: string; value?: LookupValue | null; onChange?: (v: LookupValue | null) => void; testid: string }) {
  return (
    <div data-testid={testid}>
      <LookupSelect target={target} value={value ?? null} onChange={(v) => onChange?.(v)} allowClear />
    </div>
  );
}

/**
 * Invite a colleague: the user record is created inactive and a one-time link is issued.
 * Every field problem the server finds is shown next to its input, nothing is created then.
 */
export function InviteUserModal({ open, onClose, onInvited }: Props) {
  const { t } = useI18n();
  const [form] = Form.useForm<InviteFormValues>();
  const [saving, setSaving] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const [issued, setIssued] = useState<{ issued: IssuedInvitation; email: string } | null>(null);

  useEffect(() => {
    if (!open) return;
    setGeneral([]);
    setIssued(null);
  }, [open]);
  // A fresh form each time it is shown (first opening, or "invite another" after a success).
  useEffect(() => {
    if (open && !issued) form.resetFields();
  }, [open, issued, form]);

  const submit = async (values: InviteFormValues) => {
    setSaving(true);
    setGeneral([]);
    try {
      const body = inviteBody(values);
      const answer = await usersApi.invite(body);
      setIssued({ issued: answer, email: String(answer.user.email ?? body.email ?? '') });
      onInvited(answer);
    } catch (e) {
      if (e instanceof ApiError && e.fieldErrors.length) {
        const placed = placeErrors(e.fieldErrors, FORM_FIELDS);
        form.setFields(placed.fields.map((f) => ({ name: f.name as keyof InviteFormValues, errors: f.errors })));
        setGeneral(placed.general.length ? placed.general : [t('setup.fixErrors')]);
      } else setGeneral([errorMessage(e, t)]);
    } finally {
      setSaving(false);
    }
  };

  const again = () => {
    setGeneral([]);
    setIssued(null);
  };

  return (
    <Modal
      open={open}
      title={issued ? t('setup.users.invitedTitle', { email: issued.email }) : t('setup.users.inviteTitle')}
      onCancel={onClose}
      width={620}
      destroyOnHidden
      footer={
        issued
          ? [
              <Button key="again" onClick={again} data-testid="invite-another">
                {t('setup.users.inviteAnother')}
              </Button>,
              <Button key="done" type="primary" onClick={onClose} data-testid="invite-done">
                {t('common.close')}
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={onClose}>
                {t('common.cancel')}
              </Button>,
              <Button key="send" type="primary" icon={<MailOutlined />} loading={saving} onClick={() => form.submit()} data-testid="invite-submit">
                {t('setup.users.send')}
              </Button>,
            ]
      }
    >
      {issued ? (
        <InvitationLink issued={issued.issued} email={issued.email} />
      ) : (
        <Form<InviteFormValues>
          form={form}
          layout="vertical"
          className="ky-invite-form"
          requiredMark="optional"
          onFinish={(v) => void submit(v)}
          initialValues={{ is_admin: false }}
          data-testid="invite-form"
        >
          {general.length > 0 && <Alert type="error" showIcon className="ky-mb" message={general.join(' ')} data-testid="invite-error" />}
          <div className="ky-invite-grid">
            <Form.Item name="email" label={t('setup.users.field.email')} rules={[{ required: true, whitespace: true, message: t('setup.users.emailRequired') }]}>
              <Input type="email" autoComplete="off" data-testid="invite-email" />
            </Form.Item>
            <Form.Item name="name" label={t('setup.users.field.name')} rules={[{ required: true, whitespace: true, message: t('setup.users.nameRequired') }]}>
              <Input autoComplete="off" data-testid="invite-name" />
            </Form.Item>
            <Form.Item name="title" label={t('setup.users.field.title')}>
              <Input autoComplete="off" data-testid="invite-title" />
            </Form.Item>
            <Form.Item name="role" label={t('setup.users.field.role')}>
              <RefInput target="role" testid="invite-role" />
            </Form.Item>
            <Form.Item name="department" label={t('setup.users.field.department')}>
              <RefInput target="department" testid="invite-department" />
            </Form.Item>
            <Form.Item name="manager" label={t('setup.users.field.manager')}>
              <RefInput target="user" testid="invite-manager" />
            </Form.Item>
            <Form.Item name="language" label={t('setup.users.field.language')}>
              <Select
                allowClear
                data-testid="invite-language"
                options={[
                  { value: 'zh-CN', label: t('lang.zh-CN') },
                  { value: 'en', label: t('lang.en') },
                ]}
              />
            </Form.Item>
            <Form.Item name="is_admin" valuePropName="checked" label=" " extra={t('setup.users.isAdminHelp')}>
              <Checkbox data-testid="invite-admin">{t('setup.users.field.isAdmin')}</Checkbox>
            </Form.Item>
          </div>
        </Form>
      )}
    </Modal>
  );
}

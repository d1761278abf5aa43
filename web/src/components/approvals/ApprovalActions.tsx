import { CheckOutlined, CloseOutlined, RollbackOutlined, SwapOutlined } from '@ant-design/icons';
import { App, Button, Form, Input, Modal, Space } from 'antd';
import { useState } from 'react';
import { api } from '../../api/endpoints';
import type { Approval } from '../../api/types';
import { LookupSelect, type LookupValue } from '../../fields/LookupSelect';
import { useI18n, type MessageKey } from '../../i18n';
import { announceApprovalsChanged, approvalErrorMessage } from '../../lib/approvals';

type Action = 'approve' | 'reject' | 'recall' | 'delegate';

const TITLES: Record<Action, MessageKey> = {
  approve: 'approvals.approveTitle',
  reject: 'approvals.rejectTitle',
  recall: 'approvals.recallTitle',
  delegate: 'approvals.delegateTitle',
};
const DONE: Record<Action, MessageKey> = {
  approve: 'approvals.approved',
  reject: 'approvals.rejected',
  recall: 'approvals.recalled',
  delegate: 'approvals.delegated',
};

interface Values {
  comment?: string;
  user?: LookupValue | null;
}

/**
 * What the caller may do with an approval: approve, reject (a reason is required) or delegate
 * when they are one of the current step's approvers (`can_act`), recall when they submitted it
 * (`can_recall`). Each asks for a comment in a small dialog; the server's answer (the approval
 * as it now stands) goes to `onChanged`, and the navigation badge is told to count again.
 */
export function ApprovalActions({ approval, onChanged, size }: { approval: Approval; onChanged: (a: Approval) => void; size?: 'small' | 'middle' }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [action, setAction] = useState<Action | null>(null);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [form] = Form.useForm<Values>();

  if (!approval.can_act && !approval.can_recall) return null;

  const open = (a: Action) => {
    form.resetFields();
    setError(null);
    setAction(a);
  };

  const submit = async () => {
    if (!action) return;
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSaving(true);
    setError(null);
    try {
      const comment = values.comment?.trim() || null;
      const updated =
        action === 'delegate'
          ? await api.delegateApproval(approval.id, values.user?.value ?? '', comment)
          : await api.decideApproval(approval.id, action, comment);
      setAction(null);
      message.success(t(DONE[action]));
      announceApprovalsChanged();
      onChanged(updated);
    } catch (e) {
      setError(approvalErrorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <Space wrap data-testid="approval-actions">
        {approval.can_act && (
          <>
            <Button size={size} type="primary" icon={<CheckOutlined />} onClick={() => open('approve')} data-testid="approval-approve">
              {t('approvals.approve')}
            </Button>
            <Button size={size} danger icon={<CloseOutlined />} onClick={() => open('reject')} data-testid="approval-reject">
              {t('approvals.reject')}
            </Button>
            <Button size={size} icon={<SwapOutlined />} onClick={() => open('delegate')} data-testid="approval-delegate">
              {t('approvals.delegate')}
            </Button>
          </>
        )}
        {approval.can_recall && (
          <Button size={size} icon={<RollbackOutlined />} onClick={() => open('recall')} data-testid="approval-recall">
            {t('approvals.recall')}
          </Button>
        )}
      </Space>
      <Modal
        open={action !== null}
        title={action ? t(TITLES[action]) : ''}
        onCancel={() => setAction(null)}
        onOk={() => void submit()}
        confirmLoading={saving}
        okText={action ? t(`approvals.${action}`) : t('common.save')}
        okButtonProps={{ danger: action === 'reject', 'data-testid': 'approval-confirm' } as never}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        {error && (
          <div className="ky-approval-error" role="alert" data-testid="approval-error">
            {error}
          </div>
        )}
        <Form form={form} layout="vertical">
          {action === 'delegate' && (
            <Form.Item name="user" label={t('approvals.delegateTo')} rules={[{ required: true, message: t('approvals.delegateToRequired') }]}>
              <UserPicker />
            </Form.Item>
          )}
          <Form.Item
            name="comment"
            label={action === 'reject' ? t('approvals.reason') : t('approvals.comment')}
            rules={action === 'reject' ? [{ required: true, whitespace: true, message: t('approvals.reasonRequired') }] : []}
          >
            <Input.TextArea autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} data-testid="approval-comment" />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

/** The app's lookup select over users, as a form control. */
function UserPicker({ value, onChange, id }: { value?: LookupValue | null; onChange?: (v: LookupValue | null) => void; id?: string }) {
  return <LookupSelect id={id} target="user" value={value ?? null} onChange={(v) => onChange?.(v)} allowClear />;
}

import { App, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { api } from '../../api/endpoints';
import type { Approval } from '../../api/types';
import { useI18n } from '../../i18n';
import { announceApprovalsChanged, approvalErrorMessage } from '../../lib/approvals';
import './approvals.css';

/**
 * "Submit for approval" with an optional comment. The server picks the object's first active
 * process that applies; when none does (or the record already waits), its message shows here.
 */
export function SubmitApprovalModal({ object, recordId, open, onClose, onSubmitted }: { object: string; recordId: string; open: boolean; onClose: () => void; onSubmitted: (a: Approval) => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [comment, setComment] = useState('');
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    setSaving(true);
    setError(null);
    try {
      const approval = await api.submitApproval({ object, record_id: recordId, comment: comment.trim() || null });
      message.success(t('approvals.submitted'));
      announceApprovalsChanged();
      setComment('');
      onSubmitted(approval);
    } catch (e) {
      setError(approvalErrorMessage(e, t));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('approvals.submitTitle')}
      onCancel={() => {
        setError(null);
        onClose();
      }}
      onOk={() => void submit()}
      confirmLoading={saving}
      okText={t('approvals.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'approval-submit-confirm' } as never}
      destroyOnHidden
    >
      {error && (
        <div className="ky-approval-error" role="alert" data-testid="approval-submit-error">
          {error}
        </div>
      )}
      <Form layout="vertical">
        <Form.Item label={t('approvals.comment')} extra={t('approvals.submitHelp')}>
          <Input.TextArea value={comment} onChange={(e) => setComment(e.target.value)} autoSize={{ minRows: 2, maxRows: 6 }} maxLength={2000} data-testid="approval-submit-comment" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

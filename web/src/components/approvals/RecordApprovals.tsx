import { Alert, Empty } from 'antd';
import type { Approval } from '../../api/types';
import { useI18n } from '../../i18n';
import { pendingApproval } from '../../lib/approvals';
import { ApprovalDetail } from './ApprovalDetail';
import './approvals.css';

/**
 * The record page's Approvals tab: the record's approvals, newest first, each with its steps,
 * decisions and trail and the caller's actions. While one is pending the record is locked
 * (administrators excepted), which a note at the top says.
 */
export function RecordApprovals({ approvals, onChanged }: { approvals: Approval[]; onChanged: (a: Approval) => void }) {
  const { t, label } = useI18n();
  const pending = pendingApproval(approvals);
  if (approvals.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('approvals.noneOnRecord')} />;
  return (
    <div className="ky-section" data-testid="record-approvals">
      {pending && <Alert type="info" showIcon className="ky-approval-locked" message={t('approvals.lockedNote', { process: label(pending.process_labels, pending.process) })} />}
      {approvals.map((a) => (
        <div key={a.id} className="ky-approval-card">
          <ApprovalDetail approval={a} onChanged={onChanged} showRecord={false} />
        </div>
      ))}
    </div>
  );
}

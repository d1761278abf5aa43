import { Steps, Tag, Timeline, Typography } from 'antd';
import { Link } from 'react-router-dom';
import type { Approval, ApprovalTask } from '../../api/types';
import { useI18n } from '../../i18n';
import { STATUS_COLORS, peopleOf, recordPath, statusKey, stepProgress, taskTag, trailKey } from '../../lib/approvals';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import { ApprovalActions } from './ApprovalActions';
import './approvals.css';

/**
 * One approval in full: its process, record, submitter and status; its steps in order (会签 or
 * 或签) with each approver's decision, time and comment; the whole trail; and the actions the
 * caller may take. Used by the inbox's drawer and the record page's Approvals tab.
 */
export function ApprovalDetail({ approval, onChanged, showRecord = true }: { approval: Approval; onChanged: (a: Approval) => void; showRecord?: boolean }) {
  const { t, label } = useI18n();
  const fmt = useFormatSettings();
  const names = peopleOf(approval);
  const who = (id: string | null | undefined) => (id ? (names.get(id) ?? t('approvals.someone')) : t('approvals.system'));

  const task = (task: ApprovalTask) => {
    const tag = taskTag(task.status);
    return (
      <li key={task.id} className="ky-approval-task" data-testid="approval-task">
        <span className="ky-approval-task-name">{task.approver_name ?? t('approvals.someone')}</span>
        <Tag color={tag.color}>{t(tag.key)}</Tag>
        {task.acted_at && task.status !== 'cancelled' && <span className="ky-approval-time">{formatDateTime(task.acted_at, fmt)}</span>}
        {task.delegated_from && <span className="ky-approval-time">{t('approvals.delegatedFrom', { name: who(task.delegated_from) })}</span>}
        {task.comment && <div className="ky-approval-comment">“{task.comment}”</div>}
      </li>
    );
  };

  return (
    <div className="ky-approval" data-testid="approval-detail">
      <div className="ky-approval-head">
        <div>
          <div className="ky-approval-process">
            {label(approval.process_labels, approval.process)}{' '}
            <Tag color={STATUS_COLORS[approval.status] ?? 'default'} data-testid="approval-status">
              {t(statusKey(approval.status))}
            </Tag>
          </div>
          <div className="ky-page-sub">
            {showRecord && (
              <>
                <Link to={recordPath(approval)}>{approval.record_title}</Link>
                {' · '}
              </>
            )}
            {t('approvals.submittedBy', { name: approval.submitter_name ?? t('approvals.someone'), at: formatDateTime(approval.submitted_at, fmt) })}
          </div>
        </div>
        <ApprovalActions approval={approval} onChanged={onChanged} />
      </div>
      <Steps
        direction="vertical"
        size="small"
        current={approval.step}
        className="ky-approval-steps"
        items={approval.steps.map((s) => ({
          status: stepProgress(s),
          title: (
            <span>
              {label(s.labels, t('approvals.stepN', { n: s.index + 1 }))}{' '}
              <Tag bordered={false}>{s.mode === 'all' ? t('approvals.modeAll') : t('approvals.modeAny')}</Tag>
              {s.state === 'skipped' && <Tag bordered={false}>{t('approvals.skipped')}</Tag>}
            </span>
          ),
          description: s.tasks.length > 0 ? <ul className="ky-approval-tasks">{s.tasks.map(task)}</ul> : null,
        }))}
      />
      <Typography.Text type="secondary" className="ky-approval-trail-title">
        {t('approvals.trail')}
      </Typography.Text>
      <Timeline
        className="ky-approval-trail"
        items={approval.trail.map((e, i) => {
          const key = trailKey(e);
          const step = e.step !== undefined ? approval.steps[e.step] : undefined;
          return {
            key: i,
            color: e.action.includes('reject') ? 'red' : e.action.includes('approve') ? 'green' : 'gray',
            children: (
              <div data-testid="approval-trail-entry">
                <span className="ky-approval-time">{formatDateTime(e.at, fmt)}</span>{' '}
                {e.action.startsWith('finished:') ? null : <strong>{who(e.actor_id)}</strong>} {key ? t(key, { to: who(e.to) }) : e.action}
                {step && <span className="ky-approval-time"> · {label(step.labels, t('approvals.stepN', { n: step.index + 1 }))}</span>}
                {e.comment && <div className="ky-approval-comment">“{e.comment}”</div>}
              </div>
            ),
          };
        })}
      />
    </div>
  );
}

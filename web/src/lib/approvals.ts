/**
 * Approvals (审批) as plain data for the inbox, the record page and the navigation badge: how a
 * status and a step read, which trail entries mean what, how a list changes after an action,
 * and which message an action's error shows. Pure, so it is tested without rendering.
 */
import { ApiError } from '../api/client';
import type { Approval, ApprovalBox, ApprovalStatus, ApprovalStep, ApprovalTrailEntry } from '../api/types';
import type { MessageKey, TFunction } from '../i18n';

/** Dispatched on `window` after this page changed an approval: the navigation badge asks again. */
export const APPROVALS_CHANGED = 'keyi:approvals-changed';

export function announceApprovalsChanged(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(APPROVALS_CHANGED));
}

export const APPROVAL_BOXES: ApprovalBox[] = ['pending', 'submitted', 'done'];

export const STATUS_COLORS: Record<ApprovalStatus, string> = {
  pending: 'processing',
  approved: 'success',
  rejected: 'error',
  recalled: 'default',
};

export function statusKey(status: string): MessageKey {
  return (['pending', 'approved', 'rejected', 'recalled'].includes(status) ? `approvals.status.${status}` : 'approvals.status.pending') as MessageKey;
}

/** The step the approval is at (the last one reached once it has ended). */
export function currentStep(a: Pick<Approval, 'step' | 'steps'>): ApprovalStep | undefined {
  return a.steps.find((s) => s.index === a.step) ?? a.steps[a.step];
}

/** antd Steps' status of a step: decided steps finish (or fail when rejected there), the
 * current one is in process, skipped and unreached ones wait. */
export function stepProgress(step: Pick<ApprovalStep, 'state' | 'tasks'>): 'finish' | 'process' | 'wait' | 'error' {
  if (step.state === 'current') return 'process';
  if (step.state !== 'done') return 'wait';
  if (step.tasks.some((t) => t.status === 'rejected')) return 'error';
  if (step.tasks.some((t) => t.status === 'approved')) return 'finish';
  return 'wait'; // ended there without a decision (recalled)
}

/** How one approver's task reads: a tag colour and its label key. */
export function taskTag(status: string): { color: string; key: MessageKey } {
  switch (status) {
    case 'approved':
      return { color: 'success', key: 'approvals.task.approved' };
    case 'rejected':
      return { color: 'error', key: 'approvals.task.rejected' };
    case 'delegated':
      return { color: 'purple', key: 'approvals.task.delegated' };
    case 'cancelled':
      return { color: 'default', key: 'approvals.task.cancelled' };
    default:
      return { color: 'processing', key: 'approvals.task.pending' };
  }
}

/** The words for a trail entry ("submitted", "approved", "finished:approved"), or null for an
 * action this app does not know yet (shown by its raw name). */
export function trailKey(entry: Pick<ApprovalTrailEntry, 'action'>): MessageKey | null {
  const known: Record<string, MessageKey> = {
    submitted: 'approvals.trail.submitted',
    approved: 'approvals.trail.approved',
    rejected: 'approvals.trail.rejected',
    delegated: 'approvals.trail.delegated',
    skipped: 'approvals.trail.skipped',
    recalled: 'approvals.trail.recalled',
    'finished:approved': 'approvals.trail.finishedApproved',
    'finished:rejected': 'approvals.trail.finishedRejected',
  };
  return known[entry.action] ?? null;
}

/** The names of the people in an approval by id (approvers and submitter), for the trail. */
export function peopleOf(a: Pick<Approval, 'steps' | 'submitter_id' | 'submitter_name'>): Map<string, string> {
  const names = new Map<string, string>();
  if (a.submitter_id && a.submitter_name) names.set(a.submitter_id, a.submitter_name);
  for (const s of a.steps) for (const task of s.tasks) if (task.approver_name) names.set(task.approver_id, task.approver_name);
  return names;
}

export function recordPath(a: Pick<Approval, 'object' | 'record_id'>): string {
  return `/o/${encodeURIComponent(a.object)}/${encodeURIComponent(a.record_id)}`;
}

/** The record's approval still waiting, if any (the record is locked meanwhile). */
export function pendingApproval(list: readonly Approval[]): Approval | undefined {
  return list.find((a) => a.status === 'pending');
}

/**
 * An inbox after an action answered `updated`: in "waiting for me" an approval I can no longer
 * act on leaves the list; elsewhere it is replaced where it was.
 */
export function inboxAfter(box: ApprovalBox, list: readonly Approval[], updated: Approval): Approval[] {
  if (box === 'pending' && !updated.can_act) return list.filter((a) => a.id !== updated.id);
  return list.map((a) => (a.id === updated.id ? updated : a));
}

/** The message of a failed submit or decision: the server's words for a refused field (no
 * "object:" prefix), its detail for a 403 or 409 ("already decided", "record in approval"). */
export function approvalErrorMessage(e: unknown, t: TFunction): string {
  if (e instanceof ApiError) {
    if (e.fieldErrors.length) return e.fieldErrors.map((f) => f.message).join('; ');
    if (e.status === 403) return t('approvals.notApprover');
  }
  if (e instanceof ApiError && e.isNetwork) return t('error.network');
  if (e instanceof ApiError && e.problem.detail) return e.problem.detail;
  if (e instanceof Error) return e.message;
  return t('common.error');
}

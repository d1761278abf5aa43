import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { translate } from '../i18n';
import { approval, BOSS, FINANCE, REP } from '../test/approvals';
import { approvalErrorMessage, currentStep, inboxAfter, peopleOf, pendingApproval, recordPath, statusKey, stepProgress, taskTag, trailKey } from './approvals';

const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) => translate('en', key, params);

describe('approvals', () => {
  it('reads a step for antd Steps: current in process, rejected in error, approved finished, recalled or unreached waiting', () => {
    const task = (status: string) => ({ id: status, approver_id: BOSS, approver_name: null, status, acted_at: null, comment: null, delegated_from: null });
    expect(stepProgress({ state: 'current', tasks: [task('pending')] })).toBe('process');
    expect(stepProgress({ state: 'done', tasks: [task('rejected'), task('cancelled')] })).toBe('error');
    expect(stepProgress({ state: 'done', tasks: [task('approved'), task('approved')] })).toBe('finish');
    expect(stepProgress({ state: 'done', tasks: [task('cancelled')] })).toBe('wait');
    expect(stepProgress({ state: 'skipped', tasks: [] })).toBe('wait');
    expect(stepProgress({ state: 'pending', tasks: [] })).toBe('wait');
  });

  it('names statuses, tasks and trail entries, and unknown actions stay raw', () => {
    expect(t(statusKey('rejected'))).toBe('Rejected');
    expect(translate('zh-CN', statusKey('pending'))).toBe('审批中');
    expect(taskTag('delegated')).toEqual({ color: 'purple', key: 'approvals.task.delegated' });
    expect(taskTag('whatever').key).toBe('approvals.task.pending');
    expect(t(trailKey({ action: 'delegated' })!, { to: 'Fang' })).toBe('delegated to Fang');
    expect(translate('zh-CN', trailKey({ action: 'finished:rejected' })!)).toBe('审批被驳回');
    expect(trailKey({ action: 'escalated' })).toBeNull();
  });

  it('finds the current step, the people by id, the record link and the pending one', () => {
    const a = approval({ step: 1 });
    expect(currentStep(a)?.labels.en).toBe('Finance');
    const withFinance = approval();
    withFinance.steps[1].tasks = [{ id: 't2', approver_id: FINANCE, approver_name: 'Fin Zhao', status: 'pending', acted_at: null, comment: null, delegated_from: null }];
    expect([...peopleOf(withFinance)]).toEqual([
      [REP, 'Rep Li'],
      [BOSS, 'Boss Wang'],
      [FINANCE, 'Fin Zhao'],
    ]);
    expect(recordPath(a)).toBe(`/o/opportunity/${a.record_id}`);
    const old = approval({ id: 'old', status: 'rejected', can_act: false });
    expect(pendingApproval([old, a])?.id).toBe(a.id);
    expect(pendingApproval([old])).toBeUndefined();
  });

  it('drops an approval I can no longer act on from "waiting for me" and replaces it elsewhere', () => {
    const a = approval();
    const other = approval({ id: 'other' });
    const decided = { ...a, can_act: false, step: 1 };
    expect(inboxAfter('pending', [a, other], decided).map((x) => x.id)).toEqual(['other']);
    expect(inboxAfter('pending', [a, other], { ...a, step: 1 }).map((x) => x.step)).toEqual([1, 0]); // 会签: still mine
    expect(inboxAfter('submitted', [a, other], { ...a, status: 'recalled', can_recall: false })[0].status).toBe('recalled');
  });

  it('shows the refused field message without its key, a 403 in words, and a 409 detail', () => {
    const noProcess = new ApiError(422, {
      status: 422,
      detail: 'object: No approval process applies to this record.',
      errors: [{ field: 'object', code: 'approval_no_process', message: 'No approval process applies to this record.' }],
    });
    expect(approvalErrorMessage(noProcess, t)).toBe('No approval process applies to this record.');
    expect(approvalErrorMessage(new ApiError(403, { status: 403, detail: 'Forbidden' }), t)).toBe('You are not an approver of the current step.');
    const decided = new ApiError(409, { status: 409, code: 'approval_already_decided', detail: 'You have already acted on this approval, or it is no longer waiting.' });
    expect(approvalErrorMessage(decided, t)).toBe('You have already acted on this approval, or it is no longer waiting.');
    expect(approvalErrorMessage(new ApiError(0, { status: 0, title: 'network' }), t)).toBe(t('error.network'));
  });
});

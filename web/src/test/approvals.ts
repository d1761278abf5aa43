import type { Approval } from '../api/types';

export const RECORD_ID = '0190a0b0-0000-7000-8000-0000000000a1';
export const BOSS = '0190a0b0-0000-7000-8000-0000000000b1';
export const REP = '0190a0b0-0000-7000-8000-0000000000b2';
export const FINANCE = '0190a0b0-0000-7000-8000-0000000000b3';

/** An approval as the server answers it: a 大单 waiting at its first step (the manager, 或签),
 * a second 会签 step by finance not reached yet. */
export function approval(changes: Partial<Approval> = {}): Approval {
  return {
    id: '0190a0b0-0000-7000-8000-0000000000c1',
    process: 'large_deals',
    process_labels: { en: 'Large deals', 'zh-CN': '大额商机审批' },
    object: 'opportunity',
    record_id: RECORD_ID,
    record_title: '大单',
    submitter_id: REP,
    submitter_name: 'Rep Li',
    status: 'pending',
    step: 0,
    steps: [
      {
        index: 0,
        labels: { en: 'Manager', 'zh-CN': '直属上级' },
        mode: 'any',
        state: 'current',
        tasks: [{ id: 't1', approver_id: BOSS, approver_name: 'Boss Wang', status: 'pending', acted_at: null, comment: null, delegated_from: null }],
      },
      { index: 1, labels: { en: 'Finance', 'zh-CN': '财务会签' }, mode: 'all', state: 'pending', tasks: [] },
    ],
    trail: [{ at: '2026-05-01T02:00:00Z', actor_id: REP, action: 'submitted', comment: '请批' }],
    submitted_at: '2026-05-01T02:00:00Z',
    finished_at: null,
    can_act: true,
    can_recall: false,
    ...changes,
  };
}

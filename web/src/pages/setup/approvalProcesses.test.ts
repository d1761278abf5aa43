import { describe, expect, it } from 'vitest';
import type { ApprovalProcess } from '../../api/types';
import { approverIds, definitionOf, mapProcessErrors, processErrorTarget, processFromForm, processToForm, suggestProcessName } from './approvalProcesses';

const USER = '0190a0b0-0000-7000-8000-0000000000b1';
const ROLE = '0190a0b0-0000-7000-8000-0000000000d1';
const TEAM = '0190a0b0-0000-7000-8000-0000000000e1';

const saved: ApprovalProcess = {
  id: 'p1',
  version: 3,
  created_at: '2026-05-01T00:00:00Z',
  updated_at: '2026-05-02T00:00:00Z',
  name: 'large_deals',
  labels: { en: 'Large deals', 'zh-CN': '大额商机审批' },
  description: null,
  active: true,
  position: 0,
  object: 'opportunity',
  entry_condition: 'amount >= 100000',
  steps: [
    { labels: { en: 'Manager', 'zh-CN': '直属上级' }, approvers: [{ type: 'manager', levels: 2 }], mode: 'any', condition: null, reminder_hours: 4 },
    {
      labels: { 'zh-CN': '财务会签' },
      approvers: [
        { type: 'user', user_id: USER, levels: 1 },
        { type: 'role', role_id: ROLE, levels: 1 },
        { type: 'team', team_id: TEAM, levels: 1 },
        { type: 'department_head', levels: 1 },
      ],
      mode: 'all',
      condition: 'amount > 500000',
      reminder_hours: null,
    },
  ],
  on_approve: { next_step: "'已审批'" },
  on_reject: {},
  lock_record: true,
};

describe('approval process editor', () => {
  it('round-trips a saved process through the form, with the pickers showing names', () => {
    const titles = new Map([
      [USER, '王芳'],
      [ROLE, '财务'],
    ]);
    const form = processToForm(saved, titles);
    expect(form.steps[1].approvers.map((a) => a.ref)).toEqual([{ value: USER, label: '王芳' }, { value: ROLE, label: '财务' }, { value: TEAM, label: TEAM }, null]);
    expect(form.steps[0].approvers[0]).toEqual({ type: 'manager', ref: null, levels: 2 });
    expect(form.on_approve).toEqual([{ field: 'next_step', expression: "'已审批'" }]);
    const back = processFromForm(form);
    expect(back).toEqual({
      ...definitionOf(saved),
      steps: [
        { ...saved.steps[0], approvers: [{ type: 'manager', levels: 2 }] },
        {
          ...saved.steps[1],
          approvers: [{ type: 'user', user_id: USER }, { type: 'role', role_id: ROLE }, { type: 'team', team_id: TEAM }, { type: 'department_head' }],
        },
      ],
    });
    expect(Object.keys(definitionOf(saved))).not.toContain('version');
  });

  it('sends empty texts as null, a new approver without a pick as a null id, and skips outcome rows without a field', () => {
    const form = processToForm(null, new Map(), 'opportunity');
    form.label_zh = ' 折扣审批 ';
    form.name = 'discounts';
    form.steps[0].approvers.push({ type: 'user', ref: null });
    form.on_reject = [{ field: 'stage', expression: "'lost'" }, { field: null, expression: '1' }];
    const body = processFromForm(form);
    expect(body.labels).toEqual({ 'zh-CN': '折扣审批' });
    expect(body.entry_condition).toBeNull();
    expect(body.steps[0]).toEqual({ labels: {}, mode: 'any', condition: null, reminder_hours: null, approvers: [{ type: 'manager', levels: 1 }, { type: 'user', user_id: null }] });
    expect(body.on_reject).toEqual({ stage: "'lost'" });
    expect(body.object).toBe('opportunity');
  });

  it('lists the approver ids to name, per object', () => {
    expect([...approverIds(saved)]).toEqual([
      ['user', [USER]],
      ['role', [ROLE]],
      ['team', [TEAM]],
    ]);
    expect(approverIds(null).size).toBe(0);
  });

  it('places each server error on its input', () => {
    const values = { on_approve: [{ field: 'stage', expression: '1' }, { field: 'next_step', expression: 'x' }], on_reject: [] };
    expect(processErrorTarget('entry_condition', values)).toEqual(['entry_condition']);
    expect(processErrorTarget('labels', values)).toEqual(['label_en']);
    expect(processErrorTarget('steps.1.approvers.0.user_id', values)).toEqual(['steps', 1, 'approvers', 0, 'ref']);
    expect(processErrorTarget('steps.1.approvers.2.team_id', values)).toEqual(['steps', 1, 'approvers', 2, 'ref']);
    expect(processErrorTarget('steps.0.condition', values)).toEqual(['steps', 0, 'condition']);
    expect(processErrorTarget('steps.0.labels', values)).toEqual(['steps', 0, 'label_en']);
    expect(processErrorTarget('on_approve.next_step', values)).toEqual(['on_approve', 1, 'expression']);
    expect(processErrorTarget('on_reject.stage', values)).toBeNull();
    expect(processErrorTarget('steps', values)).toBeNull();
    expect(processErrorTarget('steps.0.approvers', values)).toBeNull();
    const mapped = mapProcessErrors(
      [
        { field: 'entry_condition', message: 'bad' },
        { field: 'entry_condition', message: 'worse' },
        { field: 'steps', message: 'at least one' },
      ],
      values,
    );
    expect(mapped.fields).toEqual([{ name: ['entry_condition'], errors: ['bad', 'worse'] }]);
    expect(mapped.general).toEqual(['steps: at least one']);
  });

  it('suggests a free API name from the English label', () => {
    expect(suggestProcessName('Large discounts')).toBe('large_discounts');
    expect(suggestProcessName('Large discounts', ['large_discounts'])).toBe('large_discounts_2');
    expect(suggestProcessName('审批')).toBe('');
  });
});

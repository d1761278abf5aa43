import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../../api/types';
import { translate, type TFunction } from '../../i18n';
import { account, contact, field, opportunity, OBJECTS } from '../../test/fixtures';
import {
  actionsSummary,
  actionTarget,
  eventsText,
  expressionFields,
  expressionProblem,
  flowDefOf,
  flowErrors,
  flowFromForm,
  flowToForm,
  insertIntoTemplate,
  lookupFields,
  mergeFields,
  newAction,
  requiredFields,
  rowsFor,
  textLiteral,
  toBeforeSave,
  triggerSummary,
  userFields,
  writableFields,
  type Flow,
  type FlowAction,
  type FlowDef,
  type RecordTrigger,
  allowedWithoutRecord,
  cronProblem,
  dateFields,
  emailFields,
  isEmailAddress,
  offsetText,
  runsWithoutRecord,
} from './flows';

const en: TFunction = (key, params) => translate('en', key, params);
const zh: TFunction = (key, params) => translate('zh-CN', key, params);
const byName = new Map(OBJECTS.map((o) => [o.name, o]));

/** The flow of the API's own test: a won opportunity gets a follow-up task, its account grade A. */
const WON: FlowDef = {
  name: 'won_follow_up',
  labels: { en: 'Won follow-up', 'zh-CN': '赢单回访' },
  description: null,
  active: true,
  trigger: { type: 'record', object: 'opportunity', events: ['created', 'updated'], condition: "stage = 'won'", only_when_starting_to_match: true, timing: 'after_commit' },
  actions: [
    { type: 'create_record', object: 'activity', values: { subject: "'回访：' & name", owner_id: 'owner_id', due_date: 'ADDDAYS(TODAY(), 3)' } },
    { type: 'update_fields', target: 'account', values: { grade: "'A'" } },
  ],
};

describe('flow form ↔ definition', () => {
  it('round-trips a definition', () => {
    const form = flowToForm(WON);
    expect(form.label_zh).toBe('赢单回访');
    expect(form.actions[0]).toEqual({
      type: 'create_record',
      object: 'activity',
      values: [
        { field: 'subject', value: "'回访：' & name" },
        { field: 'owner_id', value: 'owner_id' },
        { field: 'due_date', value: 'ADDDAYS(TODAY(), 3)' },
      ],
    });
    expect(flowFromForm(form)).toEqual(WON);
  });

  it('trims text, drops rows without a field, sends an empty condition as none and events in order', () => {
    const form = flowToForm(WON);
    const body = flowFromForm({
      ...form,
      name: ' won_follow_up ',
      label_en: '  ',
      description: '  Tasks for won deals ',
      condition: '   ',
      events: ['updated', 'created'],
      actions: [{ type: 'update_fields', target: '', values: [{ field: 'next_step', value: "  'call' " }, {}, { value: 'orphan' }] }],
    });
    expect(body.name).toBe('won_follow_up');
    expect(body.labels).toEqual({ 'zh-CN': '赢单回访' });
    expect(body.description).toBe('Tasks for won deals');
    expect(body.trigger.condition).toBeNull();
    expect((body.trigger as RecordTrigger).events).toEqual(['created', 'updated']);
    expect(body.actions).toEqual([{ type: 'update_fields', target: 'record', values: { next_step: "'call'" } }]);
  });

  it('starts a new flow active, after save, with one field update of the record', () => {
    const form = flowToForm(null);
    expect(form).toMatchObject({ active: true, timing: 'after_commit', events: ['created', 'updated'], only_when_starting_to_match: false });
    expect(form.actions).toEqual([{ type: 'update_fields', target: 'record', values: [{}] }]);
  });

  it('takes a saved flow’s definition without what the server adds', () => {
    const saved: Flow = { ...WON, id: 'f1', version: 3, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-02T00:00:00Z' };
    expect(flowDefOf(saved)).toEqual(WON);
  });

  it('switching to before save drops "deleted" and points updates at the record', () => {
    const next = toBeforeSave({ events: ['created', 'deleted'], actions: flowToForm(WON).actions });
    expect(next.events).toEqual(['created']);
    expect(next.actions.map((a) => [a.type, a.target])).toEqual([
      ['create_record', undefined],
      ['update_fields', 'record'],
    ]);
  });
});

describe('save errors in the editor', () => {
  const form = flowToForm({
    ...WON,
    actions: [{ type: 'update_fields', target: 'record', values: { next_step: "'x'", amount: "'text'" } }, ...WON.actions],
  });

  it('puts each error on its input, and every error in the summary', () => {
    const errors = [
      { field: 'name', code: 'name_taken', message: 'taken' },
      { field: 'labels', code: 'required', message: 'label' },
      { field: 'trigger.condition', code: 'invalid_expression', message: 'bad condition' },
      { field: 'trigger.events', code: 'flow_before_save_delete', message: 'no delete' },
      { field: 'actions.0.values.amount', code: 'type_mismatch', message: 'not text' },
      { field: 'actions.1.values.type', code: 'required', message: 'type needed' },
      { field: 'actions.2.target', code: 'flow_not_a_lookup', message: 'not a lookup' },
      { field: 'actions.1.type', code: 'flow_before_save_action', message: 'before save' },
      { field: 'trigger.condition', code: 'flow_cycle', message: 'loops' },
    ];
    const mapped = flowErrors(errors, form);
    expect(mapped.fields).toEqual([
      { name: ['name'], errors: ['taken'] },
      { name: ['label_en'], errors: ['label'] },
      { name: ['condition'], errors: ['bad condition', 'loops'] },
      { name: ['events'], errors: ['no delete'] },
      { name: ['actions', 0, 'values', 1, 'value'], errors: ['not text'] },
      { name: ['actions', 2, 'target'], errors: ['not a lookup'] },
      { name: ['actions', 1, 'type'], errors: ['before save'] },
    ]);
    expect(mapped.summary).toHaveLength(errors.length);
    // A required field with no row has no input: the summary names the action and the field.
    expect(mapped.summary[5]).toEqual({ place: { part: 'action', action: 1, field: 'type' }, message: 'type needed' });
  });

  it('keeps what names no input for the summary only', () => {
    const mapped = flowErrors(
      [
        { field: 'actions', code: 'too_long', message: 'too many' },
        { field: 'actions.0.update_fields.values', code: 'too_short', message: 'no values' },
        { field: 'actions.9.target', code: 'x', message: 'gone' },
        { field: 'trigger', code: 'x', message: 'trigger' },
        { field: 'body', code: 'x', message: 'body' },
        { field: null, code: 'x', message: 'nowhere' },
      ],
      form,
    );
    expect(mapped.fields).toEqual([]);
    expect(mapped.summary.map((s) => s.place)).toEqual([
      { part: 'actions' },
      { part: 'action', action: 0 },
      { part: 'actions' },
      { part: 'trigger' },
      { part: 'other', path: 'body' },
      { part: 'other', path: '' },
    ]);
  });
});

describe('trigger summary', () => {
  it('says in words when a flow runs, in English and Chinese', () => {
    const trigger = { ...WON.trigger, events: ['updated' as const] };
    expect(triggerSummary(trigger, 'Opportunity', en, 'en')).toBe("When an Opportunity is updated and starts to match stage = 'won'");
    expect(triggerSummary(trigger, '商机', zh, 'zh-CN')).toBe("当商机被更新且开始满足 stage = 'won' 时");
    const every = { ...trigger, only_when_starting_to_match: false };
    expect(triggerSummary(every, 'Opportunity', en, 'en')).toBe("When an Opportunity is updated and matches stage = 'won'");
    const plain = { ...WON.trigger, condition: null };
    expect(triggerSummary(plain, 'Contact', en, 'en')).toBe('When a Contact is created or updated');
    expect(triggerSummary(plain, '联系人', zh, 'zh-CN')).toBe('当联系人被创建或更新时');
  });

  it('lists events in their order, however they were picked', () => {
    expect(eventsText(['deleted', 'created', 'updated'], en)).toBe('created, updated or deleted');
    expect(eventsText(['deleted', 'created', 'updated'], zh)).toBe('创建、更新或删除');
    expect(eventsText(['deleted'], en)).toBe('deleted');
  });
});

describe('fields an action can set and an expression can name', () => {
  it('offers stored business fields and the owner, not computed or system ones', () => {
    const names = writableFields(opportunity).map((f) => f.name);
    expect(names).toContain('stage');
    expect(names).toContain('account');
    expect(names).toContain('owner_id');
    for (const n of ['id', 'created_at', 'updated_by', 'code', 'weighted']) expect(names).not.toContain(n);
  });

  it('pre-fills the required fields of a record to create, keeping rows that still apply', () => {
    expect(requiredFields(opportunity).map((f) => f.name)).toEqual(['name', 'account']);
    const withDefault: ObjectMeta = { ...contact, fields: [field('name', 'text', { required: true, default: 'x' }), field('email', 'email', { required: true })] };
    expect(requiredFields(withDefault).map((f) => f.name)).toEqual(['email']);
    const rows = [{ field: 'amount', value: '1' }, { field: 'industry', value: "'it'" }];
    expect(rowsFor(rows, opportunity, true)).toEqual([{ field: 'amount', value: '1' }, { field: 'name', value: '' }, { field: 'account', value: '' }]);
    expect(rowsFor(rows, contact, false)).toEqual([{}]);
  });

  it('finds the parents an update can target and the object each action writes to', () => {
    expect(lookupFields(opportunity, byName).map((f) => f.name)).toEqual(['account']);
    expect(actionTarget({ type: 'update_fields', target: 'record' }, opportunity, byName)).toBe(opportunity);
    expect(actionTarget({ type: 'update_fields', target: 'account' }, opportunity, byName)).toBe(account);
    expect(actionTarget({ type: 'create_record', object: 'contact' }, opportunity, byName)).toBe(contact);
    expect(actionTarget({ type: 'create_record' }, opportunity, byName)).toBeUndefined();
  });

  it('names fields across lookups as lookup.field', () => {
    const paths = expressionFields(contact, byName).map((f) => f.path);
    expect(paths).toContain('email');
    expect(paths).toContain('account.industry');
    expect(paths).not.toContain('created_by.name'); // system lookups are not crossed
  });
});

describe('expression checks before asking the server', () => {
  it('finds unclosed quotes and unbalanced parentheses, ignoring them inside text', () => {
    expect(expressionProblem("AND(stage = 'won', amount > 0)")).toBeNull();
    expect(expressionProblem("'it''s (fine'")).toBeNull();
    expect(expressionProblem("'a \\' b'")).toBeNull();
    expect(expressionProblem('')).toBeNull();
    expect(expressionProblem("stage = 'won")).toBe('quote');
    expect(expressionProblem('ADDDAYS(TODAY(), 3')).toBe('parenthesis');
    expect(expressionProblem('a) + (b')).toBe('parenthesis');
  });

  it('quotes picklist values as text', () => {
    expect(textLiteral('won')).toBe("'won'");
    expect(textLiteral("it's")).toBe("'it\\'s'");
  });
});

/** The sales package's standard flow, and a lead rotation: the two newer action types. */
const NOTIFY: FlowDef = {
  ...WON,
  name: 'won_notify',
  actions: [
    {
      type: 'notify',
      recipients: [{ type: 'owner_manager' }, { type: 'user', user_id: 'u-boss' }, { type: 'field', field: 'reviewer' }, { type: 'role', role_id: 'r-sales' }, { type: 'owner' }],
      title: { 'zh-CN': '{{ record.name }} 已赢单', en: '{{ record.name }} was won' },
      body: { 'zh-CN': "金额 {{ record.amount | money('CNY') }}", en: "Amount {{ record.amount | money('CNY') }}" },
    },
    { type: 'assign_owner', strategy: 'user', user_id: 'u-rep' },
    { type: 'assign_owner', strategy: 'round_robin', team_id: 't-east' },
    { type: 'assign_owner', strategy: 'least_loaded', team_id: 't-east' },
  ],
};
/** An action of a type this web app does not know yet (a newer server's). */
const FUTURE = { type: 'post_to_chat', template: 'won_thanks', to: [{ type: 'owner' }], cc: null } as unknown as FlowAction;

describe('assign owner, notify and actions the editor does not know', () => {
  it('round-trips notifications and assignments', () => {
    const form = flowToForm(NOTIFY);
    expect(form.actions[0]).toMatchObject({
      type: 'notify',
      title_zh: '{{ record.name }} 已赢单',
      title_en: '{{ record.name }} was won',
      body_en: "Amount {{ record.amount | money('CNY') }}",
    });
    expect(form.actions[0].recipients?.[1]).toEqual({ type: 'user', user_id: 'u-boss', field: null, role_id: null });
    expect(form.actions[2]).toMatchObject({ type: 'assign_owner', strategy: 'round_robin', team_id: 't-east', user_id: null });
    expect(flowFromForm(form)).toEqual(NOTIFY);
  });

  it('sends only what the chosen strategy or recipient names, a body only when written', () => {
    const form = flowToForm(NOTIFY);
    const [notify, assign] = form.actions;
    const body = flowFromForm({
      ...form,
      actions: [
        {
          ...notify,
          // Switched from a user to the owner's manager, and from a field to a role: the old ids go.
          recipients: [{ type: 'owner_manager', user_id: 'u-boss' }, { type: 'role', field: 'reviewer', role_id: 'r-1' }, {}],
          title_en: '  ',
          title_zh: ' 赢单 ',
          body_en: ' ',
          body_zh: '',
        },
        { ...assign, strategy: 'least_loaded', user_id: 'u-rep', team_id: 't-west' },
        { ...assign, strategy: 'user', user_id: 'u-rep', team_id: 't-west' },
      ],
    });
    expect(body.actions).toEqual([
      { type: 'notify', recipients: [{ type: 'owner_manager' }, { type: 'role', role_id: 'r-1' }], title: { 'zh-CN': '赢单' }, body: null },
      { type: 'assign_owner', strategy: 'least_loaded', team_id: 't-west' },
      { type: 'assign_owner', strategy: 'user', user_id: 'u-rep' },
    ]);
  });

  it('starts a new notification to the owner and a new assignment to a user', () => {
    expect(newAction('notify')).toMatchObject({ type: 'notify', recipients: [{ type: 'owner' }], title_zh: '', title_en: '' });
    expect(newAction('assign_owner')).toMatchObject({ type: 'assign_owner', strategy: 'user', user_id: null });
  });

  it('keeps an action it does not know exactly as it came, wherever it is', () => {
    const def: FlowDef = { ...WON, actions: [WON.actions[0], FUTURE, WON.actions[1]] };
    const form = flowToForm(def);
    expect(form.actions[1]).toMatchObject({ type: 'post_to_chat', raw: FUTURE });
    expect(flowFromForm(form)).toEqual(def);
    // Moved first and the others removed: still sent whole.
    expect(flowFromForm({ ...form, actions: [form.actions[1], form.actions[0]] }).actions).toEqual([FUTURE, WON.actions[0]]);
    // Its errors name no input of the editor: the summary names the action.
    const mapped = flowErrors([{ field: 'actions.1.template', code: 'x', message: 'no such template' }], form);
    expect(mapped.fields).toEqual([]);
    expect(mapped.summary).toEqual([{ place: { part: 'action', action: 1 }, message: 'no such template' }]);
  });

  it('puts the errors of recipients, titles, bodies, users and teams on their inputs', () => {
    const form = flowToForm(NOTIFY);
    const mapped = flowErrors(
      [
        { field: 'actions.0.recipients.1.user_id', code: 'required', message: 'who?' },
        { field: 'actions.0.recipients.2.field', code: 'flow_not_a_user_field', message: 'not a user' },
        { field: 'actions.0.recipients.3.role_id', code: 'required', message: 'which role?' },
        { field: 'actions.0.recipients.0.type', code: 'flow_not_owned', message: 'no owner' },
        { field: 'actions.0.title.zh-CN', code: 'invalid_template', message: 'bad zh title' },
        { field: 'actions.0.body.en', code: 'missing_locale', message: 'no en body' },
        { field: 'actions.0.title', code: 'required', message: 'no title' },
        { field: 'actions.1.user_id', code: 'record_not_found', message: 'no such user' },
        { field: 'actions.2.team_id', code: 'required', message: 'which team?' },
        { field: 'actions.3.assign_owner.strategy', code: 'literal_error', message: 'bad strategy' },
        { field: 'actions.0.notify.recipients', code: 'too_long', message: 'too many' },
        { field: 'actions.0.recipients.7.user_id', code: 'x', message: 'gone' },
      ],
      form,
    );
    expect(mapped.fields).toEqual([
      { name: ['actions', 0, 'recipients', 1, 'user_id'], errors: ['who?'] },
      { name: ['actions', 0, 'recipients', 2, 'field'], errors: ['not a user'] },
      { name: ['actions', 0, 'recipients', 3, 'role_id'], errors: ['which role?'] },
      { name: ['actions', 0, 'recipients', 0, 'type'], errors: ['no owner'] },
      { name: ['actions', 0, 'title_zh'], errors: ['bad zh title'] },
      { name: ['actions', 0, 'body_en'], errors: ['no en body'] },
      { name: ['actions', 0, 'title_en'], errors: ['no title'] },
      { name: ['actions', 1, 'user_id'], errors: ['no such user'] },
      { name: ['actions', 2, 'team_id'], errors: ['which team?'] },
      { name: ['actions', 3, 'strategy'], errors: ['bad strategy'] },
    ]);
    expect(mapped.summary[0].place).toEqual({ part: 'action', action: 0, input: 'recipient', recipient: 1 });
    expect(mapped.summary[4].place).toEqual({ part: 'action', action: 0, input: 'title_zh' });
    expect(mapped.summary[10].place).toEqual({ part: 'action', action: 0, input: 'recipients' });
    expect(mapped.summary[11].place).toEqual({ part: 'action', action: 0, input: 'recipients' });
  });

  it('says what a flow does in one line, unknown actions by their type', () => {
    const actions = [...NOTIFY.actions.slice(0, 2), WON.actions[0], FUTURE];
    expect(actionsSummary(actions, en)).toBe('Then: Send a notification, Assign the owner, Create a record, Action “post_to_chat”');
    expect(actionsSummary(actions, zh)).toBe('然后：发送通知、分配负责人、创建记录、动作“post_to_chat”');
  });

  it('offers the record’s own user lookups as recipients, and its fields as merge fields', () => {
    const withReviewer: ObjectMeta = { ...opportunity, fields: [...opportunity.fields, field('reviewer', 'lookup', { target: 'user' })] };
    expect(userFields(withReviewer).map((f) => f.name)).toEqual(['reviewer']); // not owner_id, created_by
    const merge = mergeFields(opportunity, 'USD').map((m) => m.text);
    expect(merge).toContain('{{ record.name }}');
    expect(merge).toContain("{{ record.amount | money('USD') }}");
    expect(merge).toContain("{{ record.weighted | money('USD') }}"); // a formula giving money
    expect(merge.slice(-2)).toEqual(['{{ object }}', '{{ flow }}']);
    expect(insertIntoTemplate('', '{{ flow }}')).toBe('{{ flow }}');
    expect(insertIntoTemplate('商机', '{{ record.name }}')).toBe('商机 {{ record.name }}');
    expect(insertIntoTemplate('Won: ', '{{ record.name }}')).toBe('Won: {{ record.name }}');
  });
});

/** The API's own scheduled and date-relative flows (tests/integration/test_flows.py). */
const WAKE: FlowDef = {
  ...WON,
  name: 'wake_cold_accounts',
  trigger: { type: 'schedule', cron: '0 9 * * *', object: 'account', condition: "grade = 'D'" },
  actions: [{ type: 'update_fields', target: 'record', values: { description: "'请回访'" } }],
};
const CLOSING: FlowDef = {
  ...WON,
  name: 'closing_soon',
  trigger: { type: 'date', object: 'opportunity', field: 'close_date', offset_days: -3, at_hour: 8, condition: null },
  actions: [{ type: 'create_record', object: 'activity', values: { subject: "'即将到期：' & name" } }],
};
const REPORT: FlowDef = {
  ...WON,
  name: 'weekly_report',
  trigger: { type: 'schedule', cron: '30 17 * * 5', object: null, condition: null },
  actions: [{ type: 'create_record', object: 'activity', values: { subject: "'本周周报'", due_date: 'TODAY()' } }],
};
/** The three newer actions, as the API's tests save them (test_flow_actions.py). */
const HOOK = '0190a0b0-0000-7000-8000-0000000000d1';
const OUTREACH: FlowDef = {
  ...WON,
  name: 'welcome_contact',
  trigger: { type: 'record', object: 'contact', events: ['created'], condition: null, only_when_starting_to_match: false, timing: 'after_commit' },
  actions: [
    {
      type: 'send_email',
      to_fields: ['email'],
      to_addresses: ['sales@example.com'],
      recipients: [{ type: 'owner' }, { type: 'role', role_id: 'r-sales' }],
      subject: { 'zh-CN': '欢迎，{{ record.name }}', en: 'Welcome, {{ record.name }}' },
      text: { 'zh-CN': '您好 {{ record.name }}，感谢关注。', en: 'Hello {{ record.name }}' },
      html: { en: '<p>Hello {{ record.name }}</p>' },
    },
    { type: 'call_webhook', webhook_id: HOOK },
    { type: 'submit_for_approval', comment: '大额折扣' },
  ],
};

describe('scheduled and date-relative triggers', () => {
  it('round-trips each trigger type, keeping the other types’ inputs at their defaults', () => {
    for (const def of [WAKE, CLOSING, REPORT, WON]) expect(flowFromForm(flowToForm(def))).toEqual(def);
    expect(flowToForm(WAKE)).toMatchObject({ trigger_type: 'schedule', cron: '0 9 * * *', object: 'account', condition: "grade = 'D'", events: ['created', 'updated'], timing: 'after_commit' });
    expect(flowToForm(CLOSING)).toMatchObject({ trigger_type: 'date', object: 'opportunity', date_field: 'close_date', offset_days: -3, at_hour: 8, cron: '' });
    expect(flowToForm(REPORT).object).toBeUndefined();
  });

  it('sends only what the trigger type takes: no condition without an object, whole days, the default hour', () => {
    const form = flowToForm(WON);
    expect(flowFromForm({ ...form, trigger_type: 'schedule', cron: ' 0 9 * * 1 ', object: undefined, condition: "stage = 'won'" }).trigger).toEqual({
      type: 'schedule',
      cron: '0 9 * * 1',
      object: null,
      condition: null,
    });
    expect(flowFromForm({ ...form, trigger_type: 'date', object: 'opportunity', date_field: 'close_date', offset_days: 2.7, at_hour: null, condition: ' ' }).trigger).toEqual({
      type: 'date',
      object: 'opportunity',
      field: 'close_date',
      offset_days: 2,
      at_hour: 8,
      condition: null,
    });
    // Back to a record trigger: its own inputs, untouched by the others'.
    expect(flowFromForm({ ...form, cron: '0 9 * * 1', date_field: 'close_date' }).trigger).toEqual(WON.trigger);
  });

  it('says in words when a timed flow runs, in English and Chinese', () => {
    expect(triggerSummary(WAKE.trigger, 'Account', en, 'en')).toBe("On the schedule 0 9 * * *, for each Account matching grade = 'D'");
    expect(triggerSummary(WAKE.trigger, '客户', zh, 'zh-CN')).toBe("按计划 0 9 * * *，针对满足 grade = 'D' 的每条客户");
    expect(triggerSummary({ ...WAKE.trigger, condition: null }, 'Account', en, 'en')).toBe('On the schedule 0 9 * * *, for each Account');
    expect(triggerSummary(REPORT.trigger, '', en, 'en')).toBe('On the schedule 30 17 * * 5');
    expect(triggerSummary(REPORT.trigger, '', zh, 'zh-CN')).toBe('按计划 30 17 * * 5 运行');
    expect(triggerSummary(CLOSING.trigger, 'Opportunity', en, 'en', 'Close date')).toBe('3 days before Close date of each Opportunity, at 08:00');
    expect(triggerSummary(CLOSING.trigger, '商机', zh, 'zh-CN', '预计成交日期')).toBe('每条商机的预计成交日期前 3 天 08:00');
    const after = { ...CLOSING.trigger, offset_days: 1, at_hour: 14, condition: "stage != 'lost'" };
    expect(triggerSummary(after, 'Opportunity', en, 'en')).toBe("1 day after close_date of each Opportunity matching stage != 'lost', at 14:00");
    expect(offsetText(0, 'Close date', en)).toBe('on Close date');
    expect(offsetText(-30, '结束日期', zh)).toBe('结束日期前 30 天');
    expect(offsetText(0, '结束日期', zh)).toBe('结束日期当天');
  });

  it('offers date fields to count from, and checks a cron’s parts before asking the server', () => {
    expect(dateFields(opportunity).map((f) => f.name)).toEqual(['close_date', 'next_call', 'created_at', 'updated_at']);
    expect(cronProblem('0 9 * * 1')).toBeNull();
    expect(cronProblem('0 0 9 * * 1')).toBeNull(); // with seconds
    expect(cronProblem('@daily')).toBeNull();
    expect(cronProblem('0 9 * *')).toBe('parts');
    expect(cronProblem('  ')).toBe('required');
  });

  it('knows what a flow without a record can do', () => {
    expect(runsWithoutRecord({ trigger_type: 'schedule', object: undefined })).toBe(true);
    expect(runsWithoutRecord({ trigger_type: 'schedule', object: 'account' })).toBe(false);
    expect(runsWithoutRecord({ trigger_type: 'record', object: undefined })).toBe(false);
    expect(allowedWithoutRecord(newAction('create_record'))).toBe(true);
    expect(allowedWithoutRecord(newAction('call_webhook'))).toBe(true);
    expect(allowedWithoutRecord(newAction('update_fields'))).toBe(false);
    expect(allowedWithoutRecord(newAction('assign_owner'))).toBe(false);
    expect(allowedWithoutRecord(newAction('submit_for_approval'))).toBe(false);
    expect(allowedWithoutRecord(newAction('notify'))).toBe(false); // to the record's owner
    expect(allowedWithoutRecord({ ...newAction('notify'), recipients: [{ type: 'user' }, { type: 'role' }] })).toBe(true);
    expect(allowedWithoutRecord({ ...newAction('send_email'), to_addresses: ['a@example.com'] })).toBe(true);
    expect(allowedWithoutRecord({ ...newAction('send_email'), to_fields: ['email'] })).toBe(false);
  });

  it('puts the timed triggers’ errors on their inputs', () => {
    const form = flowToForm(WAKE);
    const mapped = flowErrors(
      [
        { field: 'trigger.cron', code: 'flow_bad_cron', message: 'not a schedule' },
        { field: 'trigger.field', code: 'flow_not_a_date', message: 'not a date' },
        { field: 'trigger.date.offset_days', code: 'less_than_equal', message: 'too far' },
        { field: 'trigger.at_hour', code: 'less_than_equal', message: 'no such hour' },
        { field: 'trigger.schedule.cron', code: 'string_too_long', message: 'too long' },
        { field: 'trigger.type', code: 'union_tag_invalid', message: 'which trigger?' },
        { field: 'actions.0.type', code: 'flow_needs_record', message: 'needs a record' },
      ],
      form,
    );
    expect(mapped.fields).toEqual([
      { name: ['cron'], errors: ['not a schedule', 'too long'] },
      { name: ['date_field'], errors: ['not a date'] },
      { name: ['offset_days'], errors: ['too far'] },
      { name: ['at_hour'], errors: ['no such hour'] },
      { name: ['trigger_type'], errors: ['which trigger?'] },
      { name: ['actions', 0, 'type'], errors: ['needs a record'] },
    ]);
    expect(mapped.summary.map((x) => x.place.part)).toEqual(['cron', 'date_field', 'offset_days', 'at_hour', 'cron', 'trigger_type', 'action']);
  });
});

describe('send email, call a webhook, submit for approval', () => {
  it('round-trips the three actions', () => {
    const form = flowToForm(OUTREACH);
    expect(form.actions[0]).toMatchObject({
      type: 'send_email',
      to_fields: ['email'],
      to_addresses: ['sales@example.com'],
      recipients: [
        { type: 'owner', user_id: null, field: null, role_id: null },
        { type: 'role', user_id: null, field: null, role_id: 'r-sales' },
      ],
      subject_zh: '欢迎，{{ record.name }}',
      text_en: 'Hello {{ record.name }}',
      html_en: '<p>Hello {{ record.name }}</p>',
      html_zh: '',
    });
    expect(form.actions[1]).toMatchObject({ type: 'call_webhook', webhook_id: HOOK });
    expect(form.actions[2]).toMatchObject({ type: 'submit_for_approval', comment: '大额折扣' });
    expect(flowFromForm(form)).toEqual(OUTREACH);
  });

  it('sends trimmed addresses, HTML and a comment only when written, and starts each afresh', () => {
    const email = { ...newAction('send_email'), to_addresses: [' boss@example.com ', ''], recipients: [{}, { type: 'user' as const, user_id: 'u-1', role_id: 'r-1' }], subject_en: ' Hi ', text_zh: '你好', html_en: ' ' };
    const body = flowFromForm({ ...flowToForm(REPORT), actions: [email, newAction('call_webhook'), { ...newAction('submit_for_approval'), comment: '  ' }] });
    expect(body.actions).toEqual([
      { type: 'send_email', to_fields: [], to_addresses: ['boss@example.com'], recipients: [{ type: 'user', user_id: 'u-1' }], subject: { en: 'Hi' }, text: { 'zh-CN': '你好' }, html: null },
      { type: 'call_webhook', webhook_id: '' },
      { type: 'submit_for_approval', comment: null },
    ]);
  });

  it('puts the email’s, the webhook’s and the approval’s errors on their inputs', () => {
    const form = flowToForm(OUTREACH);
    const mapped = flowErrors(
      [
        { field: 'actions.0.to_fields.0', code: 'flow_not_an_email_field', message: 'not an email field' },
        { field: 'actions.0.to_addresses.0', code: 'invalid_email', message: 'not an address' },
        { field: 'actions.0.recipients.1.role_id', code: 'record_not_found', message: 'no such role' },
        { field: 'actions.0.subject.zh-CN', code: 'invalid_template', message: 'bad subject' },
        { field: 'actions.0.text', code: 'required', message: 'no text' },
        { field: 'actions.0.html.en', code: 'invalid_template', message: 'bad html' },
        { field: 'actions.1.webhook_id', code: 'record_not_found', message: 'no such webhook' },
        { field: 'actions.2.submit_for_approval.comment', code: 'string_too_long', message: 'too long' },
        { field: 'actions.2.type', code: 'flow_needs_record', message: 'needs a record' },
      ],
      form,
    );
    expect(mapped.fields).toEqual([
      { name: ['actions', 0, 'to_fields'], errors: ['not an email field'] },
      { name: ['actions', 0, 'to_addresses'], errors: ['not an address'] },
      { name: ['actions', 0, 'recipients', 1, 'role_id'], errors: ['no such role'] },
      { name: ['actions', 0, 'subject_zh'], errors: ['bad subject'] },
      { name: ['actions', 0, 'text_en'], errors: ['no text'] },
      { name: ['actions', 0, 'html_en'], errors: ['bad html'] },
      { name: ['actions', 1, 'webhook_id'], errors: ['no such webhook'] },
      { name: ['actions', 2, 'comment'], errors: ['too long'] },
      { name: ['actions', 2, 'type'], errors: ['needs a record'] },
    ]);
    expect(mapped.summary[0].place).toEqual({ part: 'action', action: 0, input: 'to_fields' });
  });

  it('names them in the actions line, and offers email fields and checks addresses', () => {
    expect(actionsSummary(OUTREACH.actions, en)).toBe('Then: Send an email, Call a webhook, Submit for approval');
    expect(actionsSummary(OUTREACH.actions, zh)).toBe('然后：发送邮件、调用 Webhook、提交审批');
    expect(emailFields(contact).map((f) => f.name)).toEqual(['email']);
    expect(emailFields(account)).toEqual([]);
    expect(isEmailAddress('wang.fang@example.com')).toBe(true);
    expect(isEmailAddress('wang fang@example')).toBe(false);
  });
});

describe('post to a group robot', () => {
  const CHANNEL = '0190a0b0-0000-7000-8000-0000000000a1';
  const TO_GROUP: FlowDef = {
    ...OUTREACH,
    name: 'won_to_group',
    actions: [
      {
        type: 'post_to_robot',
        channel_id: CHANNEL,
        title: { 'zh-CN': '商机“{{ record.name }}”已赢单', en: '{{ record.name }} was won' },
        text: { 'zh-CN': '金额：{{ record.amount | money(\'CNY\') }}' },
      },
    ],
  };

  it('round-trips the channel and the title and text per language', () => {
    const form = flowToForm(TO_GROUP);
    expect(form.actions[0]).toEqual({
      type: 'post_to_robot',
      channel_id: CHANNEL,
      title_en: '{{ record.name }} was won',
      title_zh: '商机“{{ record.name }}”已赢单',
      text_en: '',
      text_zh: '金额：{{ record.amount | money(\'CNY\') }}',
      values: [],
    });
    expect(flowFromForm(form)).toEqual(TO_GROUP);
    expect(flowFromForm({ ...form, actions: [{ ...newAction('post_to_robot'), title_en: ' Hi ' }] }).actions).toEqual([
      { type: 'post_to_robot', channel_id: '', title: { en: 'Hi' }, text: {} },
    ]);
  });

  it('runs without a record, and puts its errors on the picker and the template inputs', () => {
    expect(allowedWithoutRecord(newAction('post_to_robot'))).toBe(true);
    const mapped = flowErrors(
      [
        { field: 'actions.0.channel_id', code: 'robot_channel_inactive', message: 'switched off' },
        { field: 'actions.0.title.zh-CN', code: 'invalid_template', message: 'bad title' },
        { field: 'actions.0.text.en', code: 'unknown_merge_field', message: 'no such field' },
      ],
      flowToForm(TO_GROUP),
    );
    expect(mapped.fields).toEqual([
      { name: ['actions', 0, 'channel_id'], errors: ['switched off'] },
      { name: ['actions', 0, 'title_zh'], errors: ['bad title'] },
      { name: ['actions', 0, 'text_en'], errors: ['no such field'] },
    ]);
    expect(actionsSummary(TO_GROUP.actions, en)).toBe('Then: Post to a group robot');
    expect(actionsSummary(TO_GROUP.actions, zh)).toBe('然后：发送到群机器人');
  });
});

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
    expect(body.trigger.events).toEqual(['created', 'updated']);
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
const FUTURE = { type: 'send_email', template: 'won_thanks', to: [{ type: 'owner' }], cc: null } as unknown as FlowAction;

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
    expect(form.actions[1]).toMatchObject({ type: 'send_email', raw: FUTURE });
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
    expect(actionsSummary(actions, en)).toBe('Then: Send a notification, Assign the owner, Create a record, Action “send_email”');
    expect(actionsSummary(actions, zh)).toBe('然后：发送通知、分配负责人、创建记录、动作“send_email”');
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

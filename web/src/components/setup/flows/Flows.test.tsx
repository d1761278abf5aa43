import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Flow } from '../../../pages/setup/flows';
import FlowsPage from '../../../pages/setup/FlowsPage';
import { renderWith } from '../../../test/render';
import FlowEditor from './FlowEditor';
import FlowRuns from './FlowRuns';

afterEach(() => vi.unstubAllGlobals());

const FLOW: Flow = {
  id: '0190a0b0-0000-7000-8000-00000000f001',
  version: 4,
  created_at: '2026-05-01T02:00:00Z',
  updated_at: '2026-05-02T03:00:00Z',
  name: 'won_follow_up',
  labels: { en: 'Won follow-up', 'zh-CN': '赢单回访' },
  description: null,
  active: true,
  trigger: { type: 'record', object: 'opportunity', events: ['updated'], condition: 'stage = ', only_when_starting_to_match: true, timing: 'after_commit' },
  actions: [
    { type: 'update_fields', target: 'record', values: { amount: "'text'" } },
    { type: 'create_record', object: 'contact', values: { name: "'Follow-up'" } },
  ],
};

interface Call {
  url: string;
  method: string;
  ifMatch: string | null;
  body: Record<string, unknown> | null;
}

/** Stub fetch: each request is recorded and answered by `answer` with (status, JSON). */
function stubFetch(answer: (c: Call, n: number) => [number, unknown]): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call: Call = {
        url,
        method: init.method ?? 'GET',
        ifMatch: new Headers(init.headers).get('If-Match'),
        body: init.body ? JSON.parse(String(init.body)) : null,
      };
      calls.push(call);
      const [status, json] = answer(call, calls.length);
      const type = status >= 400 ? 'application/problem+json' : 'application/json';
      return new Response(JSON.stringify(json), { status, headers: { 'Content-Type': type } });
    }),
  );
  return calls;
}

/** The error text antd shows under the form item holding the element with `testId`. */
function itemError(testId: string): string {
  const item = screen.getByTestId(testId).closest('.ant-form-item');
  return item?.querySelector('.ant-form-item-explain')?.textContent ?? '';
}

describe('FlowEditor', () => {
  it('shows the server’s errors beside their inputs and in a summary, then saves with If-Match', async () => {
    const saved = { ...FLOW, version: 5, trigger: { ...FLOW.trigger, condition: "stage = 'won'" } };
    const calls = stubFetch((_c, n) =>
      n === 1
        ? [
            422,
            {
              status: 422,
              code: 'validation_failed',
              errors: [
                { field: 'trigger.condition', code: 'invalid_expression', message: 'Not a valid formula' },
                { field: 'actions.0.values.amount', code: 'type_mismatch', message: 'A currency value is expected' },
                { field: 'actions.1.values.email', code: 'required', message: 'This field is required' },
              ],
            },
          ]
        : [200, saved],
    );
    const onSaved = vi.fn();
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={onSaved} />);

    expect((screen.getByTestId('flow-condition') as HTMLTextAreaElement).value).toBe('stage = ');
    fireEvent.click(screen.getByTestId('flow-save'));

    const summary = await screen.findByTestId('flow-errors');
    expect(summary.textContent).toContain('Condition: Not a valid formula');
    expect(summary.textContent).toContain('Action 1 · amount: A currency value is expected');
    // No row sets the contact's email: only the summary can say so.
    expect(summary.textContent).toContain('Action 2 · email: This field is required');
    await waitFor(() => expect(itemError('flow-condition')).toBe('Not a valid formula'));
    expect(itemError('flow-action-0-value-0')).toBe('A currency value is expected');
    expect(onSaved).not.toHaveBeenCalled();

    const first = calls[0];
    expect(first).toMatchObject({ method: 'PUT', ifMatch: '4' });
    expect(first.url).toContain(`/api/v1/flows/${FLOW.id}`);
    expect(first.body).toEqual({
      name: 'won_follow_up',
      labels: FLOW.labels,
      description: null,
      active: true,
      trigger: { type: 'record', object: 'opportunity', events: ['updated'], condition: 'stage =', only_when_starting_to_match: true, timing: 'after_commit' },
      actions: FLOW.actions,
    });

    fireEvent.change(screen.getByTestId('flow-condition'), { target: { value: "stage = 'won'" } });
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(saved, false));
    expect(calls[1]).toMatchObject({ method: 'PUT', ifMatch: '4' });
    expect((calls[1].body as { trigger: { condition: string } }).trigger.condition).toBe("stage = 'won'");
    expect(screen.queryByTestId('flow-errors')).toBeNull();
  });

  it('refuses a broken expression without asking the server', async () => {
    const calls = stubFetch(() => [200, FLOW]);
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    fireEvent.change(screen.getByTestId('flow-condition'), { target: { value: "stage = 'won" } });
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(itemError('flow-condition')).toBe('A quote is not closed'));
    expect(calls).toEqual([]);
  });

  it('inserts a field of a parent record into the condition', async () => {
    stubFetch(() => [200, FLOW]);
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    const insert = within(screen.getByTestId('flow-condition-insert').closest('.ant-select') as HTMLElement).getByRole('combobox');
    fireEvent.mouseDown(insert);
    fireEvent.click(await screen.findByText('account › industry (account.industry)'));
    expect((screen.getByTestId('flow-condition') as HTMLTextAreaElement).value).toBe('stage = account.industry');
  });
});

describe('FlowEditor: assignments, notifications and actions it does not know', () => {
  const BOSS = '0190a0b0-0000-7000-8000-0000000000b1';
  const TEAM = '0190a0b0-0000-7000-8000-0000000000e1';
  const FUTURE = { type: 'post_to_chat', template: 'won_thanks', to: [{ type: 'owner' }] } as unknown as Flow['actions'][number];
  const NOTIFY_FLOW: Flow = {
    ...FLOW,
    trigger: { ...FLOW.trigger, condition: "stage = 'won'" },
    actions: [
      {
        type: 'notify',
        recipients: [{ type: 'owner_manager' }, { type: 'user', user_id: BOSS }],
        title: { 'zh-CN': '{{ record.name }} 已赢单', en: '{{ record.name }} was won' },
        body: null,
      },
      { type: 'assign_owner', strategy: 'round_robin', team_id: TEAM },
      FUTURE,
    ],
  };
  /** Titles of the users and teams the pickers show; flows saved by `save`. */
  const answer = (save: (n: number) => [number, unknown]) => {
    let saves = 0;
    return (c: Call): [number, unknown] => {
      if (c.url.includes('/records/user/query')) return [200, { records: [{ id: BOSS, name: 'Wang Jun' }], next_cursor: null }];
      if (c.url.includes('/records/team/query')) return [200, { records: [{ id: TEAM, name: 'East team' }], next_cursor: null }];
      saves += 1;
      return save(saves);
    };
  };

  it('shows saved users and teams by name, puts recipient, title and team errors on their inputs, and keeps the unknown action', async () => {
    const calls = stubFetch(
      answer((n) =>
        n === 1
          ? [
              422,
              {
                status: 422,
                code: 'validation_failed',
                errors: [
                  { field: 'actions.0.recipients.1.user_id', code: 'record_not_found', message: 'No such user' },
                  { field: 'actions.0.title.zh-CN', code: 'invalid_template', message: 'The template does not close a tag' },
                  { field: 'actions.1.team_id', code: 'record_not_found', message: 'No such team' },
                ],
              },
            ]
          : [200, { ...NOTIFY_FLOW, version: 5 }],
      ),
    );
    const onSaved = vi.fn();
    renderWith(<FlowEditor open flow={NOTIFY_FLOW} onClose={() => undefined} onSaved={onSaved} />);

    await waitFor(() => expect(screen.getByTestId('flow-action-0-recipient-1-user').textContent).toContain('Wang Jun'));
    await waitFor(() => expect(screen.getByTestId('flow-action-1-team').textContent).toContain('East team'));
    expect((screen.getByTestId('flow-action-0-title-zh') as HTMLInputElement).value).toBe('{{ record.name }} 已赢单');
    expect(screen.getByTestId('flow-action-2').textContent).toContain('cannot change actions of type “post_to_chat”');
    expect(screen.getByTestId('flow-action-0-merge-help').textContent).toContain("{{ record.amount | money('CNY') }}");

    fireEvent.click(screen.getByTestId('flow-save'));
    const summary = await screen.findByTestId('flow-errors');
    expect(summary.textContent).toContain('Action 1 · Recipient 2: No such user');
    expect(summary.textContent).toContain('Action 1 · Title (Chinese): The template does not close a tag');
    expect(summary.textContent).toContain('Action 2 · Team: No such team');
    await waitFor(() => expect(itemError('flow-action-0-recipient-1-user')).toBe('No such user'));
    expect(itemError('flow-action-0-title-zh')).toBe('The template does not close a tag');
    expect(itemError('flow-action-1-team')).toBe('No such team');

    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body?.actions).toEqual([
      { type: 'notify', recipients: [{ type: 'owner_manager' }, { type: 'user', user_id: BOSS }], title: { 'zh-CN': '{{ record.name }} 已赢单', en: '{{ record.name }} was won' }, body: null },
      { type: 'assign_owner', strategy: 'round_robin', team_id: TEAM },
      FUTURE,
    ]);
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
  });

  it('turns a new action into a notification, a recipient into a role, and inserts a merge field into its title', async () => {
    stubFetch(answer(() => [200, FLOW]));
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    fireEvent.click(screen.getByTestId('flow-add-action'));
    const type = await screen.findByTestId('flow-action-2-type');
    fireEvent.mouseDown(within(type.closest('.ant-select') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByText('Send a notification'));
    const title = (await screen.findByTestId('flow-action-2-title-en')) as HTMLInputElement;
    // A new notification goes to the record's owner.
    expect(screen.getByTestId('flow-action-2-recipient-0').textContent).toContain('The record’s owner');

    fireEvent.mouseDown(within(screen.getByTestId('flow-action-2-title-en-insert').closest('.ant-select') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByText('amount {{ record.amount | money(\'CNY\') }}'));
    expect(title.value).toBe("{{ record.amount | money('CNY') }}");

    fireEvent.mouseDown(within(screen.getByTestId('flow-action-2-recipient-0-type').closest('.ant-select') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByText('Everyone with a role'));
    expect(await screen.findByTestId('flow-action-2-recipient-0-role')).toBeTruthy();
  });
});

describe('FlowEditor: scheduled and date-relative flows, emails, webhooks and approvals', () => {
  /** Open the select holding `testId` and return its options (antd renders them in a portal). */
  const openSelect = async (testId: string) => {
    fireEvent.mouseDown(within(screen.getByTestId(testId).closest('.ant-select') as HTMLElement).getByRole('combobox'));
    const shown = () => document.querySelector('.ant-select-dropdown:not(.ant-select-dropdown-hidden)');
    await waitFor(() => expect(shown()).toBeTruthy());
    return [...shown()!.querySelectorAll('.ant-select-item-option')];
  };
  const invalid = (errors: { field: string; message: string }[]): [number, unknown] => [422, { status: 422, code: 'validation_failed', errors: errors.map((e) => ({ ...e, code: 'x' })) }];

  it('edits a schedule without an object: cron help and examples, no record inputs, what needs a record greyed, errors on their inputs', async () => {
    const REPORT: Flow = {
      ...FLOW,
      name: 'weekly_report',
      trigger: { type: 'schedule', cron: '0 9 * *', object: null, condition: null },
      actions: [
        { type: 'update_fields', target: 'record', values: { description: "'x'" } },
        { type: 'create_record', object: 'contact', values: { name: "'Weekly report'" } },
      ],
    };
    const calls = stubFetch((_c, n) => (n === 1 ? invalid([{ field: 'trigger.cron', message: 'Not a schedule' }, { field: 'actions.0.type', message: 'Needs a record' }]) : [200, REPORT]));
    const onSaved = vi.fn();
    renderWith(<FlowEditor open flow={REPORT} onClose={() => undefined} onSaved={onSaved} />);

    expect((screen.getByTestId('flow-cron') as HTMLInputElement).value).toBe('0 9 * *');
    expect(screen.getByTestId('flow-cron-help').textContent).toContain('Asia/Shanghai');
    expect(screen.getByTestId('flow-cron-help').textContent).toContain('0 9 * * 1 Mondays at 9:00');
    for (const id of ['flow-events', 'flow-timing', 'flow-only-when', 'flow-condition']) expect(screen.queryByTestId(id)).toBeNull();
    // Field updates need a record: the card says so and its type is one the flow cannot have.
    expect(screen.getByTestId('flow-action-0-needs-record')).toBeTruthy();
    expect(screen.queryByTestId('flow-action-1-needs-record')).toBeNull();
    const options = await openSelect('flow-action-1-type');
    const disabled = options.filter((o) => o.classList.contains('ant-select-item-option-disabled')).map((o) => o.textContent);
    expect(disabled.sort()).toEqual(['Assign the owner', 'Submit for approval', 'Update fields']);

    // The client refuses a cron with missing parts; the server's errors go on their inputs.
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(itemError('flow-cron')).toBe('A schedule has five parts: minute hour day month weekday'));
    expect(calls).toEqual([]);
    fireEvent.change(screen.getByTestId('flow-cron'), { target: { value: '0 9 * * 99' } });
    fireEvent.click(screen.getByTestId('flow-save'));
    const summary = await screen.findByTestId('flow-errors');
    expect(summary.textContent).toContain('Schedule: Not a schedule');
    expect(summary.textContent).toContain('Action 1 · Action: Needs a record');
    await waitFor(() => expect(itemError('flow-cron')).toBe('Not a schedule'));
    expect(itemError('flow-action-0-type')).toBe('Needs a record');
    expect(calls[0].body?.trigger).toEqual({ type: 'schedule', cron: '0 9 * * 99', object: null, condition: null });

    // An example fills the input.
    fireEvent.click(screen.getByTestId('flow-cron-example-fridays'));
    expect((screen.getByTestId('flow-cron') as HTMLInputElement).value).toBe('30 17 * * 5');
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(calls[1].body?.trigger).toEqual({ type: 'schedule', cron: '30 17 * * 5', object: null, condition: null });
  });

  it('turns a record flow into one relative to a date, says when it runs, and maps the date field’s error', async () => {
    const calls = stubFetch((_c, n) => (n === 1 ? invalid([{ field: 'trigger.field', message: 'Not a date field' }]) : [200, FLOW]));
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    fireEvent.click(screen.getByTestId('flow-trigger-type-date'));
    await screen.findByTestId('flow-date-field');
    expect(screen.queryByTestId('flow-events')).toBeNull();
    expect(screen.queryByTestId('flow-timing')).toBeNull();
    const fields = await openSelect('flow-date-field');
    expect(fields.map((o) => o.textContent)).toEqual(['close date (close_date)', 'next call (next_call)', 'created at (created_at)', 'updated at (updated_at)']);
    fireEvent.click(await screen.findByText('close date (close_date)'));
    fireEvent.change(screen.getByTestId('flow-offset-days'), { target: { value: '-3' } });
    await waitFor(() => expect(screen.getByTestId('flow-date-preview').textContent).toContain('Runs 3 days before close date, at 08:00.'));

    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(itemError('flow-date-field')).toBe('Not a date field'));
    expect(calls[0].body?.trigger).toEqual({ type: 'date', object: 'opportunity', field: 'close_date', offset_days: -3, at_hour: 8, condition: 'stage =' });
  });

  it('builds an email, a webhook call and a submission, and shows their errors on their inputs', async () => {
    const HOOK = '0190a0b0-0000-7000-8000-0000000000d1';
    const webhooks = [
      { id: HOOK, url: 'https://erp.example.cn/hooks', events: ['contact.*'], description: 'ERP', active: true, consecutive_failures: 0, created_at: '2026-05-01T00:00:00Z' },
      { id: 'w2', url: 'https://old.example.cn/hooks', events: [], description: null, active: false, consecutive_failures: 9, created_at: '2026-05-01T00:00:00Z' },
    ];
    const CONTACT_FLOW: Flow = {
      ...FLOW,
      trigger: { type: 'record', object: 'contact', events: ['created'], condition: null, only_when_starting_to_match: false, timing: 'after_commit' },
      actions: [
        {
          type: 'send_email',
          to_fields: ['email'],
          to_addresses: ['sales@example.com'],
          recipients: [],
          subject: { 'zh-CN': '欢迎，{{ record.name }}', en: 'Welcome, {{ record.name }}' },
          text: { en: 'Hello {{ record.name }}' },
          html: null,
        },
        { type: 'call_webhook', webhook_id: HOOK },
        { type: 'submit_for_approval', comment: null },
      ],
    };
    let saves = 0;
    const calls = stubFetch((c) => {
      if (c.url.includes('/api/v1/webhooks')) return [200, { webhooks, settings: { allow_private: false } }];
      saves += 1;
      return saves === 1
        ? invalid([
            { field: 'actions.0.to_fields.0', message: 'Not an email field' },
            { field: 'actions.0.subject.zh-CN', message: 'Bad subject' },
            { field: 'actions.1.webhook_id', message: 'No such webhook' },
            { field: 'actions.2.comment', message: 'Too long' },
          ])
        : [200, CONTACT_FLOW];
    });
    renderWith(<FlowEditor open flow={CONTACT_FLOW} onClose={() => undefined} onSaved={() => undefined} />);

    // The saved webhook shows by its URL; the list offers each with its description, "off" marked.
    await waitFor(() => expect(screen.getByTestId('flow-action-1').textContent).toContain('https://erp.example.cn/hooks — ERP'));
    const hooks = await openSelect('flow-action-1-webhook');
    expect(hooks.map((o) => o.textContent)).toEqual(['https://erp.example.cn/hooksERP', 'https://old.example.cn/hooksoff']);
    expect(screen.getByTestId('flow-action-0-to-fields').closest('.ant-form-item')?.textContent).toContain('email (email)');
    expect((screen.getByTestId('flow-action-0-subject-zh') as HTMLInputElement).value).toBe('欢迎，{{ record.name }}');

    fireEvent.change(screen.getByTestId('flow-action-2-comment'), { target: { value: '  请审批 ' } });
    fireEvent.change(screen.getByTestId('flow-action-0-html-en'), { target: { value: '<p>Hello</p>' } });
    fireEvent.click(screen.getByTestId('flow-save'));
    const summary = await screen.findByTestId('flow-errors');
    expect(summary.textContent).toContain('Action 1 · Email fields of the record: Not an email field');
    expect(summary.textContent).toContain('Action 2 · Webhook: No such webhook');
    await waitFor(() => expect(itemError('flow-action-0-to-fields')).toBe('Not an email field'));
    expect(itemError('flow-action-0-subject-zh')).toBe('Bad subject');
    expect(itemError('flow-action-1-webhook')).toBe('No such webhook');
    expect(itemError('flow-action-2-comment')).toBe('Too long');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body?.actions).toEqual([
      { ...CONTACT_FLOW.actions[0], html: { en: '<p>Hello</p>' } },
      { type: 'call_webhook', webhook_id: HOOK },
      { type: 'submit_for_approval', comment: '请审批' },
    ]);
  });

  it('refuses an address that is not one, and an email in no language, without asking the server', async () => {
    const calls = stubFetch(() => [200, { webhooks: [], settings: {} }]);
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    await openSelect('flow-action-1-type');
    fireEvent.click(await screen.findByText('Send an email'));
    const addresses = within(screen.getByTestId('flow-action-1-to-addresses').closest('.ant-select') as HTMLElement).getByRole('combobox');
    fireEvent.change(addresses, { target: { value: 'not-an-address' } });
    fireEvent.keyDown(addresses, { key: 'Enter', code: 'Enter', keyCode: 13 });
    fireEvent.click(screen.getByTestId('flow-save'));
    await waitFor(() => expect(itemError('flow-action-1-to-addresses')).toBe('“not-an-address” is not an email address'));
    expect(itemError('flow-action-1-subject-en')).toBe('Write the subject in at least one language');
    expect(itemError('flow-action-1-text-zh')).toBe('Write the text in at least one language');
    expect(calls.filter((c) => c.url.includes('/flows'))).toEqual([]);
  });
  it('posts to a group robot: the company’s channels to choose from (switched-off ones greyed), its templates, its errors', async () => {
    const ROBOT = '0190a0b0-0000-7000-8000-0000000000a1';
    const channel = (id: string, name: string, vendor: string, active: boolean) => ({
      id,
      name,
      vendor,
      url_hint: `${vendor}.example/…abcd`,
      has_secret: vendor !== 'wecom',
      markdown: true,
      active,
      created_at: '2026-05-01T00:00:00Z',
      updated_at: '2026-05-01T00:00:00Z',
      last_status: null,
      last_error: null,
      last_at: null,
    });
    const channels = [channel(ROBOT, '华东销售群', 'dingtalk', true), channel('c2', '旧群', 'wecom', false)];
    const calls = stubFetch((c) => {
      if (c.url.includes('/api/v1/robot-channels')) return [200, { channels }];
      return invalid([
        { field: 'actions.1.channel_id', message: 'The channel is switched off' },
        { field: 'actions.1.title.zh-CN', message: 'Bad title' },
      ]);
    });
    renderWith(<FlowEditor open flow={FLOW} onClose={() => undefined} onSaved={() => undefined} />);
    await openSelect('flow-action-1-type');
    fireEvent.click(await screen.findByText('Post to a group robot'));
    const options = await openSelect('flow-action-1-robot');
    expect(options.map((o) => o.textContent)).toEqual(['华东销售群DingTalkdingtalk.example/…abcd', '旧群WeComoffwecom.example/…abcd']);
    expect(options[1].className).toContain('disabled');
    fireEvent.click(options[0]);
    expect(screen.getByTestId('flow-action-1-merge-help').textContent).toContain('company’s language');
    fireEvent.change(screen.getByTestId('flow-action-1-title-zh'), { target: { value: '商机“{{ record.name }}”已赢单' } });
    fireEvent.change(screen.getByTestId('flow-action-1-text-zh'), { target: { value: '金额 {{ record.amount }}' } });
    fireEvent.click(screen.getByTestId('flow-save'));
    const summary = await screen.findByTestId('flow-errors');
    expect(summary.textContent).toContain('Action 2 · Robot channel: The channel is switched off');
    await waitFor(() => expect(itemError('flow-action-1-robot')).toBe('The channel is switched off'));
    expect(itemError('flow-action-1-title-zh')).toBe('Bad title');
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.body?.actions).toEqual([
      FLOW.actions[0],
      { type: 'post_to_robot', channel_id: ROBOT, title: { 'zh-CN': '商机“{{ record.name }}”已赢单' }, text: { 'zh-CN': '金额 {{ record.amount }}' } },
    ]);
    expect(calls.filter((c) => c.url.includes('/robot-channels'))).toHaveLength(1);
  });
});

describe('FlowsPage', () => {
  it('lists flows with their trigger in words and switches one off with its version', async () => {
    const calls = stubFetch((c) => (c.method === 'PUT' ? [200, { ...FLOW, version: 5, active: false }] : [200, { flows: [FLOW] }]));
    renderWith(<FlowsPage />);
    expect((await screen.findByTestId('flow-summary-won_follow_up')).textContent).toBe('When an Opportunity is updated and starts to match stage =');
    expect(screen.getByTestId('flow-actions-won_follow_up').textContent).toBe('Then: Update fields, Create a record');
    fireEvent.click(screen.getByTestId('flow-active-won_follow_up'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.ifMatch).toBe('4');
    expect(put.body).toMatchObject({ name: 'won_follow_up', active: false, actions: FLOW.actions });
    expect(put.body).not.toHaveProperty('id');
    await waitFor(() => expect(screen.getByTestId('flow-active-won_follow_up').getAttribute('aria-checked')).toBe('false'));
  });
});

describe('FlowRuns', () => {
  it('shows each run’s outcome, record and error, and what its actions did', async () => {
    const OPP = '0190a0b0-0000-7000-8000-0000000000c1';
    const TASK = '0190a0b0-0000-7000-8000-0000000000c2';
    const BOSS = '0190a0b0-0000-7000-8000-0000000000b1';
    const REP = '0190a0b0-0000-7000-8000-0000000000b2';
    const runs = [
      {
        id: 'r2',
        flow_name: FLOW.name,
        object: 'opportunity',
        record_id: OPP,
        event: 'updated',
        status: 'failed',
        depth: 1,
        started_at: '2026-05-03T01:00:00Z',
        duration_ms: 12.4,
        steps: [{ type: 'update_fields', fields: ['amount', 'stage'], outcome: 'done' }, { action: 1, outcome: 'failed', error: 'ValidationFailed: amount' }],
        error: 'ValidationFailed: amount',
      },
      {
        id: 'r1',
        flow_name: FLOW.name,
        object: 'opportunity',
        record_id: OPP,
        event: 'created',
        status: 'done',
        depth: 1,
        started_at: '2026-05-03T00:00:00Z',
        duration_ms: 8,
        steps: [
          { action: 0, type: 'update_fields', record_id: OPP, outcome: 'done' },
          { action: 1, type: 'create_record', object: 'contact', record_id: TASK, outcome: 'done' },
          { action: 2, type: 'assign_owner', owner_id: REP, outcome: 'done' },
          { action: 3, type: 'notify', users: [BOSS, REP], outcome: 'done' },
          { action: 4, type: 'notify', users: [], outcome: 'done' },
          { action: 5, type: 'post_to_chat', outcome: 'done' },
          { action: 6, type: 'send_email', to: ['wang.fang@example.com', 'boss@example.com'], outcome: 'done' },
          { action: 7, type: 'send_email', outcome: 'skipped' },
          { action: 8, type: 'call_webhook', delivery_id: 'dlv-1', outcome: 'done' },
          { action: 9, type: 'submit_for_approval', approval_id: 'apr-1', outcome: 'done' },
        ],
        error: null,
      },
    ];
    const people = [
      { id: BOSS, name: 'Wang Jun' },
      { id: REP, name: 'Li Na' },
    ];
    const calls = stubFetch((c) => (c.url.includes('/records/user/query') ? [200, { records: people, next_cursor: null }] : [200, { runs, next_cursor: null }]));
    const { container } = renderWith(<FlowRuns flow={FLOW} onClose={() => undefined} />);
    expect((await screen.findByTestId('flow-run-status-r2')).textContent).toBe('Failed');
    expect(screen.getByTestId('flow-run-status-r1').textContent).toBe('Done');
    expect(calls[0].url).toContain(`/api/v1/flows/${FLOW.id}/runs`);
    const row = screen.getByTestId('flow-run-r1');
    expect(within(row).getByText(OPP).closest('a')?.getAttribute('href')).toBe(`/o/opportunity/${OPP}`);
    expect(row.textContent).toContain('8 ms');
    expect(screen.getByTestId('flow-run-r2').textContent).toContain('ValidationFailed: amount');
    const expanders = container.ownerDocument.querySelectorAll('.ant-table-row-expand-icon');
    fireEvent.click(expanders[0]);
    fireEvent.click(expanders[1]);
    await waitFor(() => expect(screen.getAllByTestId('flow-run-steps')).toHaveLength(2));
    const [failed, done] = screen.getAllByTestId('flow-run-steps');
    // A before-save step names the fields it set; the failed action its error.
    expect(failed.textContent).toContain('Update fields · amount, stage');
    expect(failed.textContent).toContain('Action 2');
    expect(failed.textContent).toContain('ValidationFailed: amount');
    expect(done.textContent).toContain('Action 2 · Create a record');
    expect(within(done).getByText(TASK).closest('a')?.getAttribute('href')).toBe(`/o/contact/${TASK}`);
    // The owner an assignment gave and the users a notification reached, by name.
    expect(done.textContent).toContain('Action 3 · Assign the owner');
    await waitFor(() => expect(within(done).getByTestId('flow-step-owner').textContent).toBe('Owner: Li Na'));
    const [notified, nobody] = within(done).getAllByTestId('flow-step-users');
    await waitFor(() => expect(notified.textContent).toBe('Notified: Wang Jun, Li Na'));
    expect(within(notified).getByText('Wang Jun').closest('a')?.getAttribute('href')).toBe(`/o/user/${BOSS}`);
    expect(nobody.textContent).toBe('nobody to notify');
    expect(done.textContent).toContain('Action 6 · Action “post_to_chat”');
    // Where an email went (or that none did), the webhook delivery and the approval it started.
    const [sent, unsent] = within(done).getAllByTestId('flow-step-to');
    expect(done.textContent).toContain('Action 7 · Send an email');
    expect(sent.textContent).toBe('Sent to: wang.fang@example.com, boss@example.com');
    expect(unsent.textContent).toBe('no email sent (no address, or email is not configured)');
    expect(within(done).getByTestId('flow-step-delivery').textContent).toBe('Delivery: dlv-1');
    expect(within(done).getByTestId('flow-step-approval').textContent).toBe('Approval: apr-1');
  });

  it('shows what became of each robot message: sending, delivered, refused, skipped', async () => {
    const OPP = '0190a0b0-0000-7000-8000-0000000000c1';
    const robot = { type: 'post_to_robot', channel_id: 'ch-1', channel: '华东销售群' };
    const runs = [
      {
        id: 'r3',
        flow_name: FLOW.name,
        object: 'opportunity',
        record_id: OPP,
        event: 'updated',
        status: 'done',
        depth: 1,
        started_at: '2026-05-03T01:00:00Z',
        duration_ms: 5,
        steps: [
          { ...robot, action: 0, outcome: 'pending', job_id: 'j1' },
          { ...robot, action: 1, outcome: 'done', attempts: 2, status_code: 200 },
          { ...robot, action: 2, outcome: 'failed', attempts: 1, status_code: 200, error: 'dingtalk error 310000: sign not match' },
          { ...robot, action: 3, outcome: 'skipped', reason: 'robot_channel_inactive' },
        ],
        error: 'action 3 (post_to_robot): dingtalk error 310000: sign not match',
      },
    ];
    stubFetch(() => [200, { runs, next_cursor: null }]);
    const { container } = renderWith(<FlowRuns flow={FLOW} onClose={() => undefined} />);
    expect((await screen.findByTestId('flow-run-r3')).textContent).toContain('action 3 (post_to_robot)');
    fireEvent.click(container.ownerDocument.querySelector('.ant-table-row-expand-icon')!);
    const steps = await screen.findByTestId('flow-run-steps');
    const items = [...steps.querySelectorAll('li')].map((li) => li.textContent);
    expect(items[0]).toBe('SendingAction 1 · Post to a group robotChannel: 华东销售群');
    expect(items[1]).toBe('DoneAction 2 · Post to a group robotChannel: 华东销售群 · 2 attempt(s)');
    expect(items[2]).toBe('FailedAction 3 · Post to a group robotChannel: 华东销售群 · 1 attempt(s)dingtalk error 310000: sign not match');
    expect(items[3]).toBe('SkippedAction 4 · Post to a group robotChannel: 华东销售群not sent: the channel is switched off');
  });

  it('shows a scheduled run without a record and a date run by their trigger', async () => {
    const OPP = '0190a0b0-0000-7000-8000-0000000000c1';
    const base = { flow_name: 'weekly', status: 'done', depth: 1, started_at: '2026-05-03T01:00:00Z', duration_ms: 3, error: null };
    const runs = [
      { ...base, id: 's1', object: '', record_id: null, event: 'scheduled', steps: [{ action: 0, type: 'create_record', object: 'contact', record_id: OPP, outcome: 'done' }] },
      { ...base, id: 'd1', object: 'opportunity', record_id: OPP, event: 'date', steps: [] },
    ];
    stubFetch(() => [200, { runs, next_cursor: null }]);
    renderWith(<FlowRuns flow={FLOW} onClose={() => undefined} />);
    const scheduled = await screen.findByTestId('flow-run-s1');
    expect(scheduled.textContent).toContain('Scheduled');
    expect(scheduled.textContent).toContain('—');
    const dated = screen.getByTestId('flow-run-d1');
    expect(dated.textContent).toContain('Date');
    expect(within(dated).getByText(OPP).closest('a')?.getAttribute('href')).toBe(`/o/opportunity/${OPP}`);
  });
});

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

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApprovalProcess, ObjectMeta } from '../../api/types';
import { stubApi, type Sent } from '../../test/fetch';
import { field, OBJECTS } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import ApprovalProcessesPage from './ApprovalProcessesPage';

afterEach(() => vi.unstubAllGlobals());

const GONE = '0190a0b0-0000-7000-8000-0000000000b9';
const user: ObjectMeta = {
  name: 'user',
  labels: { en: 'User', 'zh-CN': '用户' },
  name_field: 'name',
  package: 'core',
  fields: [field('name', 'text'), field('email', 'email')],
};

const process: ApprovalProcess = {
  id: '0190a0b0-0000-7000-8000-0000000000f1',
  version: 2,
  created_at: '2026-05-01T00:00:00Z',
  updated_at: '2026-05-01T00:00:00Z',
  name: 'large_deals',
  labels: { en: 'Large deals', 'zh-CN': '大额商机审批' },
  active: true,
  position: 0,
  object: 'opportunity',
  entry_condition: 'amount >= 100000',
  steps: [
    { labels: { en: 'Manager' }, approvers: [{ type: 'manager', levels: 1 }], mode: 'any' },
    { labels: { en: 'Finance' }, approvers: [{ type: 'user', user_id: GONE }], mode: 'all' },
  ],
  on_approve: { stage: "'won'" },
  on_reject: {},
  lock_record: true,
};

/** The process list; the approver's title; a save refused with errors at several places. */
function server() {
  return stubApi(
    (s: Sent) => {
      if (s.url === '/api/v1/approval-processes') return { processes: [process] };
      if (s.url.startsWith('/api/v1/records/user/query')) return { records: [{ id: GONE, name: '离职的财务' }], next_cursor: null };
      if (s.method === 'PUT') {
        return {
          status: 422,
          code: 'validation_failed',
          errors: [
            { field: 'entry_condition', code: 'invalid_expression', message: 'The expression does not parse.' },
            { field: 'steps.1.approvers.0.user_id', code: 'approval_nobody', message: 'Nobody could approve: no active user is named here.' },
            { field: 'on_approve.stage', code: 'invalid_option', message: "'won' is not an option of this field." },
            { field: 'position', code: 'too_big', message: 'Too big.' },
            { field: 'steps', code: 'too_long', message: 'At most 10.' },
          ],
        };
      }
      return {};
    },
    (s) => (s.method === 'PUT' ? 422 : 200),
  );
}

describe('ApprovalProcessesPage', () => {
  it('lists processes and shows the server errors of a save next to their inputs', async () => {
    const sent = server();
    renderWith(<ApprovalProcessesPage />, { objects: [...OBJECTS, user] });
    const row = await screen.findByTestId('process-row-large_deals');
    expect(row.textContent).toContain('Opportunity');
    expect(row.textContent).toContain('Large deals');
    expect(row.textContent).toContain('2 step(s)');

    fireEvent.click(within(row).getByTestId('process-edit-large_deals'));
    // The named approver shows by name once its title arrived.
    const picker = await screen.findByTestId('step-1-approver-0-ref');
    await waitFor(() => expect(picker.textContent).toContain('离职的财务'));
    expect((screen.getByTestId('process-entry-condition') as HTMLTextAreaElement).value).toBe('amount >= 100000');

    fireEvent.click(screen.getByTestId('process-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'PUT')).toBe(true));
    const put = sent.find((s) => s.method === 'PUT')!;
    expect(put.url).toBe(`/api/v1/approval-processes/${process.id}`);
    expect((put.body.steps as { approvers: unknown[] }[])[1].approvers).toEqual([{ type: 'user', user_id: GONE }]);

    expect(await screen.findByText('The expression does not parse.')).toBeTruthy();
    const approverRow = screen.getByTestId('step-1-approver-0');
    expect(within(approverRow).getByText('Nobody could approve: no active user is named here.')).toBeTruthy();
    const outcomes = screen.getByTestId('process-on_approve');
    expect(within(outcomes).getByText("'won' is not an option of this field.")).toBeTruthy();
    expect(screen.getByText('Too big.')).toBeTruthy();
    // What belongs to no input shows above the form.
    expect(screen.getByTestId('process-errors').textContent).toBe('steps: At most 10.');
  });

  it('takes its expressions in the flows\' input: fields across lookups, a picklist\'s values, an open quote refused before the server is asked', async () => {
    const sent = server();
    renderWith(<ApprovalProcessesPage />, { objects: [...OBJECTS, user] });
    fireEvent.click(within(await screen.findByTestId('process-row-large_deals')).getByTestId('process-edit-large_deals'));
    const entry = (await screen.findByTestId('process-entry-condition')) as HTMLTextAreaElement;
    await waitFor(() => expect(entry.value).toBe('amount >= 100000'));

    // A parent record's field, across the account lookup, appended to the entry condition.
    fireEvent.change(entry, { target: { value: "amount >= 100000 and " } });
    fireEvent.mouseDown(within(screen.getByTestId('process-entry-condition-insert').closest('.ant-select') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByText('account › industry (account.industry)'));
    expect(entry.value).toBe('amount >= 100000 and account.industry');

    // The approve row sets the stage (a picklist): its values are offered as literals.
    const update = screen.getByTestId('on_approve-expression-0') as HTMLTextAreaElement;
    expect(update.value).toBe("'won'");
    fireEvent.change(update, { target: { value: '' } });
    fireEvent.mouseDown(within(screen.getByTestId('on_approve-expression-0-insert').closest('.ant-select') as HTMLElement).getByRole('combobox'));
    fireEvent.click(await screen.findByText("Closed lost ('lost')"));
    expect(update.value).toBe("'lost'");

    // A quote left open in a step's condition is refused as typed, and nothing is sent.
    fireEvent.change(screen.getByTestId('step-1-condition'), { target: { value: "account.industry = 'it" } });
    fireEvent.click(screen.getByTestId('process-save'));
    await waitFor(() => expect(itemError('step-1-condition')).toBe('A quote is not closed'));
    expect(screen.getByTestId('step-1-condition').getAttribute('aria-invalid')).toBe('true');
    expect(sent.some((s) => s.method === 'PUT')).toBe(false);
  });
});

/** The error text antd shows under the form item holding the element with `testId`. */
function itemError(testId: string): string {
  const item = screen.getByTestId(testId).closest('.ant-form-item');
  return item?.querySelector('.ant-form-item-explain')?.textContent ?? '';
}

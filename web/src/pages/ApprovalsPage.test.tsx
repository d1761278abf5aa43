import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Approval } from '../api/types';
import { approval, REP } from '../test/approvals';
import { stubApi, type Sent } from '../test/fetch';
import { renderWith } from '../test/render';
import ApprovalsPage from './ApprovalsPage';

afterEach(() => vi.unstubAllGlobals());

/** A small inbox server: one approval waiting for me; approving moves it to its next step. */
function server() {
  let current: Approval = approval();
  const sent = stubApi((s: Sent) => {
    if (s.url.startsWith('/api/v1/approvals?')) {
      const mine = current.can_act ? [current] : [];
      return { approvals: s.url.includes('box=pending') || !s.url.includes('box=') ? mine : [], next_cursor: null, counts: { pending: mine.length } };
    }
    if (s.url.endsWith('/approve')) {
      current = {
        ...current,
        step: 1,
        can_act: false,
        steps: [
          { ...current.steps[0], state: 'done', tasks: [{ ...current.steps[0].tasks[0], status: 'approved', acted_at: '2026-05-01T03:00:00Z', comment: String(s.body.comment) }] },
          { ...current.steps[1], state: 'current' },
        ],
        trail: [...current.trail, { at: '2026-05-01T03:00:00Z', actor_id: 'boss', action: 'approved', step: 0, comment: String(s.body.comment) }],
      };
      return current;
    }
    return {};
  });
  return { sent };
}

describe('ApprovalsPage', () => {
  it('lists what waits for me, opens it, approves with a comment, and the row leaves the inbox', async () => {
    const { sent } = server();
    renderWith(<ApprovalsPage />, { path: '/approvals' });
    const row = await screen.findByTestId(`approval-row-${approval().id}`);
    expect(row.textContent).toContain('大单');
    expect(row.textContent).toContain('Large deals');
    expect(row.textContent).toContain('Rep Li');
    expect(row.textContent).toContain('Manager');
    expect(within(row).getByText('大单').closest('a')?.getAttribute('href')).toBe(`/o/opportunity/${approval().record_id}`);
    expect(screen.getByTestId('approvals-tab-pending').textContent).toContain('1');

    fireEvent.click(screen.getByTestId(`approval-open-${approval().id}`));
    const detail = await screen.findByTestId('approval-detail');
    expect(detail.textContent).toContain('Any one approves');
    expect(detail.textContent).toContain('All must approve');
    expect(detail.textContent).toContain('请批');
    expect(within(detail).queryByTestId('approval-recall')).toBeNull();

    fireEvent.click(within(detail).getByTestId('approval-approve'));
    fireEvent.change(await screen.findByTestId('approval-comment'), { target: { value: '同意，注意回款' } });
    fireEvent.click(screen.getByTestId('approval-confirm'));

    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url.endsWith('/approve'))).toBe(true));
    const post = sent.find((s) => s.url.endsWith('/approve'))!;
    expect(post.url).toBe(`/api/v1/approvals/${approval().id}/approve`);
    expect(post.body).toEqual({ comment: '同意，注意回款' });
    // Gone from "waiting for me"; the drawer shows the approval as it now stands, without actions.
    await waitFor(() => expect(screen.queryByTestId(`approval-row-${approval().id}`)).toBeNull());
    const after = screen.getByTestId('approval-detail');
    expect(after.textContent).toContain('同意，注意回款');
    expect(within(after).queryByTestId('approval-approve')).toBeNull();
  });

  it('asks for a reason before rejecting and shows the server refusal in the dialog', async () => {
    const { sent } = server();
    renderWith(<ApprovalsPage />, { path: '/approvals', lang: 'zh-CN' });
    fireEvent.click(await screen.findByTestId(`approval-open-${approval().id}`));
    const detail = await screen.findByTestId('approval-detail');
    fireEvent.click(within(detail).getByTestId('approval-reject'));
    fireEvent.click(await screen.findByTestId('approval-confirm'));
    expect(await screen.findByText('请填写驳回理由')).toBeTruthy();
    expect(sent.some((s) => s.url.endsWith('/reject'))).toBe(false);

    // Someone else decided meanwhile: the server's 409 message shows, the dialog stays.
    const fetchMock = globalThis.fetch as unknown as ReturnType<typeof vi.fn>;
    fetchMock.mockImplementationOnce(async (url: string, init: RequestInit = {}) => {
      sent.push({ url, method: init.method ?? 'GET', body: JSON.parse(String(init.body)) });
      return new Response(JSON.stringify({ status: 409, code: 'approval_already_decided', detail: '您已处理过此审批，或该审批已结束。' }), {
        status: 409,
        headers: { 'Content-Type': 'application/problem+json' },
      });
    });
    fireEvent.change(screen.getByTestId('approval-comment'), { target: { value: '价格太低' } });
    fireEvent.click(screen.getByTestId('approval-confirm'));
    expect((await screen.findByTestId('approval-error')).textContent).toBe('您已处理过此审批，或该审批已结束。');
    expect(sent.find((s) => s.url.endsWith('/reject'))?.body).toEqual({ comment: '价格太低' });
  });

  it('shows Recall on what I submitted', async () => {
    stubApi((s) =>
      s.url.startsWith('/api/v1/approvals?') ? { approvals: [approval({ can_act: false, can_recall: true, submitter_id: REP })], next_cursor: null, counts: { pending: 0 } } : {},
    );
    renderWith(<ApprovalsPage />, { path: '/approvals?box=submitted' });
    fireEvent.click(await screen.findByTestId(`approval-open-${approval().id}`));
    const detail = await screen.findByTestId('approval-detail');
    expect(within(detail).getByTestId('approval-recall')).toBeTruthy();
    expect(within(detail).queryByTestId('approval-approve')).toBeNull();
  });
});

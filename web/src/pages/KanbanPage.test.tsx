import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router-dom';
import type { ObjectMeta } from '../api/types';
import { account, contact, field, opportunity } from '../test/fixtures';
import { renderWith } from '../test/render';
import KanbanPage from './KanbanPage';

afterEach(() => vi.unstubAllGlobals());

// A busy machine renders slowly: wait on the state for longer than testing-library's 1 s.
const WAIT = { timeout: 10000 };

const withReason: ObjectMeta = { ...opportunity, fields: [...opportunity.fields, field('lost_reason', 'long_text')] };
const REFUSAL = {
  status: 422,
  title: 'Validation failed',
  errors: [{ field: 'lost_reason', code: 'validation_rule', message: 'Give a reason when an opportunity is lost.' }],
};

describe('KanbanPage', () => {
  it('keeps the "needs more information" dialog open and shows the refusal when saved incomplete', async () => {
    const patches: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const json = (body: unknown, status = 200) =>
          new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });
        if (init?.method === 'PATCH') {
          patches.push(JSON.parse(String(init.body)));
          return json(REFUSAL, 422);
        }
        if (url.endsWith('/aggregate')) return json({ groups: [] });
        const body = JSON.parse(String(init.body)) as { filter: { and?: unknown[]; value?: unknown } };
        const isProspecting = JSON.stringify(body.filter).includes('"prospecting"');
        return json({ records: isProspecting ? [{ id: 'o1', version: 1, name: 'ERP rollout', stage: 'prospecting' }] : [], next_cursor: null });
      }),
    );
    renderWith(
      <Routes>
        <Route path="/o/:object/kanban" element={<KanbanPage />} />
      </Routes>,
      { path: '/o/opportunity/kanban', objects: [account, withReason, contact] },
    );
    const card = await screen.findByText('ERP rollout', {}, WAIT);
    const lost = screen.getByTestId('kanban-col-lost');
    const dataTransfer = { setData: () => undefined, effectAllowed: '', dropEffect: '' };
    fireEvent.dragStart(card.closest('[data-testid="kanban-card"]')!, { dataTransfer });
    fireEvent.dragOver(lost, { dataTransfer });
    fireEvent.drop(lost, { dataTransfer });
    // the first refusal asks for the reason
    expect(await screen.findByText('Moving to Closed lost needs more information', {}, WAIT)).toBeTruthy();
    // saving with the reason still empty: refused again, and the dialog says why and stays
    fireEvent.click(screen.getByTestId('kanban-complete'));
    await waitFor(() => expect(patches).toHaveLength(2), WAIT);
    expect(await screen.findByText('Give a reason when an opportunity is lost.', {}, WAIT)).toBeTruthy();
    expect(screen.getByText('Moving to Closed lost needs more information')).toBeTruthy();
    expect(screen.getByTestId('kanban-complete')).toBeTruthy();
  });

  it("keeps the cards (and a card menu's anchor) mounted while the board reloads", async () => {
    // Pages after the first stay unanswered: the board is caught in the middle of a refetch.
    let asked = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
        if (url.endsWith('/aggregate')) return json({ groups: [] });
        const body = JSON.parse(String(init.body)) as { filter: unknown };
        if (!JSON.stringify(body.filter).includes('"prospecting"')) return json({ records: [], next_cursor: null });
        asked += 1;
        if (asked > 1) return new Promise<Response>(() => undefined);
        return json({ records: [{ id: 'o1', version: 1, name: 'ERP rollout', stage: 'prospecting' }], next_cursor: null });
      }),
    );
    renderWith(
      <Routes>
        <Route path="/o/:object/kanban" element={<KanbanPage />} />
      </Routes>,
      { path: '/o/opportunity/kanban', objects: [account, opportunity, contact] },
    );
    const card = (await screen.findByText('ERP rollout', {}, WAIT)).closest('[data-testid="kanban-card"]');
    expect(card).toBeTruthy();
    // A quick search refetches every column.
    fireEvent.change(screen.getByTestId('kanban-search').querySelector('input') ?? screen.getByTestId('kanban-search'), { target: { value: 'ERP' } });
    await waitFor(() => expect(asked).toBe(2), WAIT);
    // The same card element is still there (not a skeleton, not a new element).
    expect(screen.getByText('ERP rollout').closest('[data-testid="kanban-card"]')).toBe(card);
    expect(card!.isConnected).toBe(true);
  });
});

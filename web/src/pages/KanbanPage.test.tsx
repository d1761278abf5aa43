import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Route, Routes } from 'react-router-dom';
import type { ObjectMeta } from '../api/types';
import { account, contact, field, opportunity } from '../test/fixtures';
import { renderWith } from '../test/render';
import KanbanPage from './KanbanPage';

afterEach(() => vi.unstubAllGlobals());

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
    const card = await screen.findByText('ERP rollout');
    const lost = screen.getByTestId('kanban-col-lost');
    const dataTransfer = { setData: () => undefined, effectAllowed: '', dropEffect: '' };
    fireEvent.dragStart(card.closest('[data-testid="kanban-card"]')!, { dataTransfer });
    fireEvent.dragOver(lost, { dataTransfer });
    fireEvent.drop(lost, { dataTransfer });
    // the first refusal asks for the reason
    expect(await screen.findByText('Moving to Closed lost needs more information')).toBeTruthy();
    // saving with the reason still empty: refused again, and the dialog says why and stays
    fireEvent.click(screen.getByTestId('kanban-complete'));
    await waitFor(() => expect(patches).toHaveLength(2));
    expect(await screen.findByText('Give a reason when an opportunity is lost.')).toBeTruthy();
    expect(screen.getByText('Moving to Closed lost needs more information')).toBeTruthy();
    expect(screen.getByTestId('kanban-complete')).toBeTruthy();
  });
});

import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { account } from '../test/fixtures';
import { renderWith } from '../test/render';
import { HistoryList } from './HistoryList';

afterEach(() => vi.unstubAllGlobals());

const OWNER_OLD = '0190a0b0-0000-7000-8000-000000000001';
const OWNER_NEW = '0190a0b0-0000-7000-8000-000000000002';
const HIDDEN = '0190a0b0-0000-7000-8000-000000000003';

describe('HistoryList', () => {
  it('names the people and records a change points at, never their ids', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(
          JSON.stringify({
            entries: [
              {
                id: 'h1',
                at: '2024-05-01T02:30:00Z',
                by: OWNER_OLD,
                by_name: '王芳',
                operation: 'update',
                changes: [
                  { field: 'owner_id', old: OWNER_OLD, new: OWNER_NEW, _display: { old: '王芳', new: '李雷' } },
                  // a record the reader may not see: no title from the server
                  { field: 'created_by', old: HIDDEN, new: OWNER_NEW, _display: { new: '李雷' } },
                ],
              },
            ],
          }),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        ),
      ),
    );
    const { container } = renderWith(<HistoryList object={account} recordId="a1" />);
    expect(await screen.findByText('changed 2 fields')).toBeTruthy();
    const table = container.querySelector('.ky-history-changes')!;
    expect(table.textContent).toContain('王芳');
    expect(table.textContent).toContain('李雷');
    expect(screen.getByText('a record you cannot see')).toBeTruthy();
    expect(table.textContent).not.toContain(OWNER_OLD);
    expect(table.textContent).not.toContain(HIDDEN);
  });
});

describe('HistoryList erasure', () => {
  it('shows a personal data erasure as such', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        new Response(
          JSON.stringify({
            entries: [{ id: 'h9', at: '2024-05-01T02:30:00Z', by: OWNER_OLD, by_name: '王芳', operation: 'erase', changes: [{ field: 'email', old: null, new: null }] }],
          }),
          { status: 200, headers: { 'Content-Type': 'application/json' } },
        ),
      ),
    );
    renderWith(<HistoryList object={account} recordId="a1" />);
    expect(await screen.findByText('erased the personal data')).toBeTruthy();
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { account, field, OBJECTS } from '../test/fixtures';
import { renderWith } from '../test/render';
import type { ImportRun } from './api';
import ImportRunsPage from './ImportRunsPage';

const user: ObjectMeta = { name: 'user', labels: { en: 'User', 'zh-CN': '用户' }, name_field: 'name', fields: [field('name', 'text')] };

function run(id: string, extra: Partial<ImportRun>): ImportRun {
  return {
    id, object: 'account', file_name: `${id}.csv`, upload_id: null, mode: 'insert', key: null, all_or_nothing: false, dry_run: false,
    mapping: null, saved_mapping: null, sheet: null, headers: null, status: 'done', cancel_requested: false, encoding: 'gbk',
    total: 10, processed: 10, created: 8, updated: 0, failed: 2, file_error: null, preview: null, undo_report: null,
    created_by: 'u1', created_at: '2026-12-07T10:00:00Z', started_at: null, finished_at: null, undone_at: null, ...extra,
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Setup › Imports', () => {
  it('lists runs with who ran them and their counts, and undoes one after confirming', async () => {
    const calls: { url: string; method: string }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit = {}) => {
        calls.push({ url, method: init.method ?? 'GET' });
        const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
        if (url.startsWith('/api/v1/imports?')) return json({ runs: [run('r1', {}), run('r2', { dry_run: true, created: 0, failed: 0 })] });
        if (url === '/api/v1/records/user/query') return json({ records: [{ id: 'u1', name: '王建国' }] });
        if (url === '/api/v1/imports/r1/undo') return json(run('r1', { status: 'undone' }));
        return new Response('{}', { status: 404 });
      }),
    );
    renderWith(<ImportRunsPage />, { objects: [...OBJECTS.filter((o) => o.name !== 'user' && o.name !== 'account'), user, account] });
    const first = await screen.findByTestId('import-run-r1');
    await waitFor(() => expect(within(first).getByText('王建国')).toBeTruthy());
    expect(screen.getByTestId('import-run-counts-r1').textContent).toContain('8 created · 0 updated · 2 failed');
    expect(screen.getByTestId('import-run-errors-r1').getAttribute('href')).toBe('/api/v1/imports/r1/errors.csv');
    // A dry run has nothing to undo.
    expect(screen.queryByTestId('import-run-undo-r2')).toBeNull();
    fireEvent.click(screen.getByTestId('import-run-undo-r1'));
    expect(calls.some((c) => c.url.endsWith('/undo'))).toBe(false);
    fireEvent.click(await screen.findByTestId('import-undo-ok'));
    await waitFor(() => expect(screen.getByTestId('import-run-status-r1').textContent).toBe('Undone'));
    expect(screen.queryByTestId('import-run-undo-r1')).toBeNull();
  });
});

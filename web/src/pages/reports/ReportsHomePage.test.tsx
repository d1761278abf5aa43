import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ReportFolder, ReportSummary } from '../../reports/api';
import { renderReports, stubFetch, USER, type Call } from '../../reports/test/api';
import '../../i18n/reports';
import ReportsHomePage from './ReportsHomePage';

afterEach(() => vi.unstubAllGlobals());

const folder = (id: string, name: ReportFolder['name'], sharing: ReportFolder['sharing'], can_manage = true): ReportFolder => ({
  id,
  name,
  owner_id: 'U1',
  sharing,
  package: null,
  key: null,
  can_manage,
  updated_at: '2026-03-01T08:00:00Z',
});
const FOLDERS = [folder('F1', { '': 'Sales' }, { scope: 'roles', roles: ['RL1'] }), folder('F2', { en: 'Drafts', 'zh-CN': '草稿' }, { scope: 'private' })];
const report = (id: string, extra: Partial<ReportSummary>): ReportSummary => ({
  id,
  name: { '': id },
  description: null,
  folder_id: null,
  object: 'opportunity',
  type: 'summary',
  chart: null,
  owner_id: 'U1',
  package: null,
  key: null,
  can_edit: true,
  version: 3,
  updated_at: '2026-03-01T08:00:00Z',
  ...extra,
});
const REPORTS = [
  report('R1', { name: { '': 'Pipeline by stage' }, folder_id: 'F1' }),
  report('R2', { name: { en: 'Accounts by industry', 'zh-CN': '按行业的客户' }, object: 'account', type: 'matrix', owner_id: 'U2', folder_id: 'F1', can_edit: false }),
  report('R3', { name: { '': 'My draft' }, type: 'tabular' }),
];

function routes(extra: Record<string, (c: Call) => unknown> = {}) {
  return {
    'GET /api/v1/report-folders': () => ({ folders: FOLDERS }),
    'GET /api/v1/reports': (c: Call) => ({
      reports: c.query.get('deleted') ? [report('R9', { name: { '': 'Old one' }, deleted_at: '2026-03-02T08:00:00Z' })] : REPORTS.filter((r) => !c.query.get('folder_id') || r.folder_id === c.query.get('folder_id')),
    }),
    'POST /api/v1/records/user/query': () => ({ records: [{ id: 'U1', name: 'Rep Li' }, { id: 'U2', name: 'Wang Fang' }], next_cursor: null }),
    'POST /api/v1/records/role/query': () => ({ records: [{ id: 'RL1', name: 'Managers' }], next_cursor: null }),
    ...extra,
  };
}

const row = (id: string) => screen.findByTestId(`reports-item-${id}`);

describe('ReportsHomePage', () => {
  it('lists the reports with their object, type, folder and owner; filters by folder and search', async () => {
    const calls = stubFetch(routes());
    renderReports('/reports', { '/reports': <ReportsHomePage /> });
    const r2 = await row('R2');
    expect(r2.textContent).toContain('Accounts by industry');
    expect(r2.textContent).toContain('Accounts');
    expect(r2.textContent).toContain('Matrix');
    expect(r2.textContent).toContain('Sales');
    await waitFor(() => expect(r2.textContent).toContain('Wang Fang'));
    expect(within(await row('R1')).getByText('Pipeline by stage').closest('a')?.getAttribute('href')).toBe('/reports/R1');
    // Someone else's report in a shared folder: no actions.
    expect(screen.queryByTestId('report-actions-R2')).toBeNull();
    expect(within(screen.getByTestId('reports-folders')).getByText('Drafts')).toBeTruthy();

    fireEvent.click(screen.getByTestId('reports-folder-mine'));
    await waitFor(() => expect(screen.queryByTestId('reports-item-R1')).toBeNull());
    expect(screen.getByTestId('reports-item-R3')).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/reports?folder=mine');

    fireEvent.click(screen.getByTestId('reports-folder-F1'));
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/reports' && c.query.get('folder_id') === 'F1')).toBe(true));
    const box = screen.getByTestId('reports-search');
    const search = box.tagName === 'INPUT' ? box : box.querySelector('input')!;
    fireEvent.change(search, { target: { value: 'pipe' } });
    fireEvent.keyDown(search, { key: 'Enter', code: 'Enter', keyCode: 13 });
    await waitFor(() => expect(calls.some((c) => c.path === '/api/v1/reports' && c.query.get('q') === 'pipe' && c.query.get('folder_id') === 'F1')).toBe(true));
  });

  it('moves a report to another folder and deletes one into the recycle bin, sending its version', async () => {
    const calls = stubFetch(
      routes({
        'PATCH /api/v1/reports/R1': () => report('R1', { folder_id: 'F2', version: 4 }),
        'DELETE /api/v1/reports/R3': () => [204, null],
        'POST /api/v1/reports/R9/restore': () => report('R9', {}),
      }),
    );
    renderReports('/reports', { '/reports': <ReportsHomePage /> });
    fireEvent.click(within(await row('R1')).getByTestId('report-actions-R1'));
    fireEvent.click(await screen.findByTestId('report-move-R1'));
    fireEvent.mouseDown((await screen.findByTestId('move-folder')).querySelector('.ant-select-selector')!);
    fireEvent.click(await screen.findByTitle('Drafts'));
    fireEvent.click(screen.getByRole('button', { name: 'Move' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ folder_id: 'F2' });
    expect(patch.headers.get('If-Match')).toBe('3');

    fireEvent.click(screen.getByTestId('report-actions-R3'));
    fireEvent.click(await screen.findByTestId('report-delete-R3'));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path === '/api/v1/reports/R3')).toBe(true));
    expect(calls.find((c) => c.method === 'DELETE')!.headers.get('If-Match')).toBe('3');

    fireEvent.click(screen.getByTestId('reports-folder-bin'));
    fireEvent.click(await screen.findByTestId('report-restore-R9'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST' && c.path === '/api/v1/reports/R9/restore')).toBe(true));
    expect(calls.some((c) => c.path === '/api/v1/reports' && c.query.get('deleted') === 'true')).toBe(true);
  });

  it('lets an administrator share a folder with departments instead of roles, naming the roles it had', async () => {
    const calls = stubFetch(
      routes({
        'GET /api/v1/records/department': () => ({ records: [{ id: 'D1', name: 'East sales' }], next_cursor: null }),
        'PATCH /api/v1/report-folders/F1': (c) => ({ ...FOLDERS[0], sharing: c.body.sharing }),
      }),
      { ...USER, is_admin: true },
    );
    renderReports('/reports?folder=F1', { '/reports': <ReportsHomePage /> });
    fireEvent.click(await screen.findByTestId('folder-share'));
    const dialog = await screen.findByTestId('folder-dialog');
    expect((within(dialog).getByTestId('folder-name') as HTMLInputElement).value).toBe('Sales');
    await waitFor(() => expect(within(dialog).getByTestId('folder-roles').textContent).toContain('Managers'));

    fireEvent.click(within(dialog).getByText('Some departments'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('Pick at least one department')).toBeTruthy();
    expect(calls.some((c) => c.method === 'PATCH')).toBe(false);

    fireEvent.mouseDown(within(dialog).getByTestId('folder-departments').querySelector('.ant-select-selector')!);
    fireEvent.click(await screen.findByText('East sales'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    // The name was not edited: a name stored per language is left as it is.
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ sharing: { scope: 'departments', departments: ['D1'] } });
  });

  it('keeps a new folder private for others, and shows the server’s error at its name', async () => {
    const calls = stubFetch(
      routes({ 'POST /api/v1/report-folders': () => [422, { code: 'invalid_request', errors: [{ field: 'name', code: 'too_long', message: 'At most 100 characters.' }] }] }),
    );
    renderReports('/reports', { '/reports': <ReportsHomePage /> });
    fireEvent.click(await screen.findByTestId('folder-new'));
    const dialog = await screen.findByTestId('folder-dialog');
    expect(within(dialog).getByText('Only administrators share folders with others.')).toBeTruthy();
    const all = within(dialog).getByTestId('folder-scope-all');
    expect(((all.tagName === 'INPUT' ? all : all.querySelector('input')) as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(within(dialog).getByTestId('folder-name'), { target: { value: 'Q1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByText('At most 100 characters.')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST' && c.path === '/api/v1/report-folders')!.body).toEqual({ name: 'Q1', sharing: { scope: 'private' } });
  });
});

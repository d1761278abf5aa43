import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { account } from '../test/fixtures';
import { renderWith } from '../test/render';
import type { ImportField, ImportPreview, ImportRun } from './api';
import { ImportWizard } from './ImportWizard';

interface Call {
  url: string;
  method: string;
  body: unknown;
}

const FIELDS: ImportField[] = [
  { name: 'name', label: 'Account name', type: 'text', required: true, unique: false, has_default: false, importable: true, reason: null },
  { name: 'industry', label: 'Industry', type: 'picklist', required: false, unique: false, has_default: false, importable: true, reason: null },
  { name: 'phone', label: 'Phone', type: 'phone', required: false, unique: false, has_default: false, importable: true, reason: null },
  { name: 'account_no', label: 'Account number', type: 'auto_number', required: false, unique: true, has_default: false, importable: false, reason: 'computed' },
];

function preview(mapping: Record<string, string | null>): ImportPreview {
  return {
    upload_id: 'up-1',
    object: 'account',
    file_name: '客户.csv',
    size: 120,
    format: 'csv',
    encoding: 'gbk',
    delimiter: ',',
    sheet: null,
    sheets: [],
    header_row: 2,
    headers: ['客户名称', '行业', '电话'],
    total: 3,
    mapping,
    rows: [{ row: 3, cells: ['星河智造', '制造业', '021-5555'] }],
    fields: FIELDS,
  };
}

function run(extra: Partial<ImportRun>): ImportRun {
  return {
    id: 'run-1',
    object: 'account',
    file_name: '客户.csv',
    upload_id: 'up-1',
    mode: 'insert',
    key: null,
    all_or_nothing: false,
    dry_run: false,
    mapping: null,
    saved_mapping: null,
    sheet: null,
    headers: ['客户名称', '行业', '电话'],
    status: 'queued',
    cancel_requested: false,
    encoding: 'gbk',
    total: 3,
    processed: 0,
    created: 0,
    updated: 0,
    failed: 0,
    file_error: null,
    preview: null,
    undo_report: null,
    created_by: 'u1',
    created_at: '2026-12-07T10:00:00Z',
    started_at: null,
    finished_at: null,
    undone_at: null,
    ...extra,
  };
}

/** Answer fetch from `routes` (a [status, body] pair, a body, or text for the CSV report). */
function stub(routes: (call: Call) => unknown) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
      const call = { url, method: init.method ?? 'GET', body };
      calls.push(call);
      const answer = routes(call);
      if (typeof answer === 'string') return new Response(answer, { status: 200, headers: { 'Content-Type': 'text/csv' } });
      const [status, data] = Array.isArray(answer) ? (answer as [number, unknown]) : [200, answer];
      return new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const SAVED = { mappings: [{ id: 'm1', object: 'account', name: 'ERP 导出', columns: { 电话: 'phone' }, created_by: 'u1', created_at: '', updated_at: '' }] };

async function uploadFile() {
  const input = screen.getByTestId('import-dropzone').querySelector('input[type=file]') as HTMLInputElement;
  fireEvent.change(input, { target: { files: [new File(['a,b'], '客户.csv', { type: 'text/csv' })] } });
  await screen.findByTestId('import-encoding');
}

function selected(testId: string): string {
  return screen.getByTestId(testId).closest('.ant-select')?.querySelector('.ant-select-selection-item')?.textContent ?? '';
}

/** Upload, keep the mapping, keep the options, run the check. */
async function throughCheck() {
  await uploadFile();
  fireEvent.click(screen.getByTestId('import-next'));
  await screen.findByTestId('import-mapping');
  fireEvent.click(screen.getByTestId('import-next'));
  fireEvent.click(await screen.findByTestId('import-dry-run'));
}

describe('ImportWizard', () => {
  it('pre-fills the automatic mapping, offers only writable fields, applies and saves mappings', async () => {
    const calls = stub(({ url, method }) => {
      if (url.includes('/mappings?')) return SAVED;
      if (url.endsWith('/uploads') && method === 'POST') return [201, preview({ 客户名称: 'name', 行业: 'industry', 电话: null })];
      if (url.includes('/mappings/account/') && method === 'PUT') return { ...SAVED.mappings[0], name: '我的对应' };
      return [404, {}];
    });
    renderWith(<ImportWizard object={account} />);
    await uploadFile();
    expect((screen.getByTestId('import-encoding')).textContent).toContain('gbk');
    expect((screen.getByTestId('import-header-row')).textContent).toContain('2');
    expect(calls.find((c) => c.url.endsWith('/uploads'))?.body).toBeInstanceOf(FormData);
    fireEvent.click(screen.getByTestId('import-next'));
    await screen.findByTestId('import-mapping');
    expect(selected('import-map-0')).toBe('Account name *');
    expect(selected('import-map-1')).toBe('Industry');
    expect(selected('import-map-2')).toBe('');
    // The computed account number is not offered.
    fireEvent.mouseDown(screen.getByTestId('import-map-2').closest('.ant-select')!.querySelector('.ant-select-selector')!);
    const list = await screen.findByRole('listbox');
    const options = within(document.body).getAllByRole('option').map((o) => o.getAttribute('aria-label') ?? o.textContent);
    expect(list).toBeTruthy();
    expect(options.join('|')).not.toContain('Account number');
    // A saved mapping fills the phone column.
    fireEvent.mouseDown(screen.getByTestId('import-saved-mapping').closest('.ant-select')!.querySelector('.ant-select-selector')!);
    fireEvent.click(await screen.findByTitle('ERP 导出'));
    await waitFor(() => expect(selected('import-map-2')).toBe('Phone'));
    // Save as…
    fireEvent.click(screen.getByTestId('import-save-mapping'));
    fireEvent.change(await screen.findByTestId('import-save-mapping-name'), { target: { value: '我的对应' } });
    fireEvent.click(screen.getByTestId('import-save-mapping-ok'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe(`/api/v1/imports/mappings/account/${encodeURIComponent('我的对应')}`);
    expect(put.body).toEqual({ columns: { 客户名称: 'name', 行业: 'industry', 电话: 'phone' } });
  });

  it('refuses to go on while a required field has no column', async () => {
    stub(({ url }) => {
      if (url.includes('/mappings?')) return { mappings: [] };
      if (url.endsWith('/uploads')) return [201, preview({ 客户名称: null, 行业: 'industry', 电话: 'phone' })];
      return [404, {}];
    });
    renderWith(<ImportWizard object={account} />);
    await uploadFile();
    fireEvent.click(screen.getByTestId('import-next'));
    expect((await screen.findByTestId('import-missing')).textContent).toContain('Account name');
    expect((screen.getByTestId('import-next') as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a dry run’s errors per row, its preview and the report link', async () => {
    const report = '\ufeffRow,客户名称,行业,电话,Errors\r\n4,,制造业,021,Account name: Required\r\n5,坏公司,不存在,,Industry: Not an option\r\n';
    let polls = 0;
    const calls = stub(({ url, method }) => {
      if (url.includes('/mappings?')) return { mappings: [] };
      if (url.endsWith('/uploads')) return [201, preview({ 客户名称: 'name', 行业: 'industry', 电话: 'phone' })];
      if (url === '/api/v1/imports' && method === 'POST') return [202, run({ dry_run: true })];
      if (url.endsWith('/errors.csv')) return report;
      if (url === '/api/v1/imports/run-1') {
        polls += 1;
        return run({ dry_run: true, status: 'done', processed: 3, created: 1, failed: 2, preview: [{ row: 3, action: 'create', record: { name: '星河智造', industry: 'manufacturing', phone: '021-5555' } }] });
      }
      return [404, {}];
    });
    renderWith(<ImportWizard object={account} />);
    await throughCheck();
    expect(calls.find((c) => c.url === '/api/v1/imports')?.body).toMatchObject({ upload_id: 'up-1', dry_run: true, mode: 'insert', all_or_nothing: false, mapping: { 客户名称: 'name' } });
    expect((await screen.findByTestId('import-dry-errors', {}, { timeout: 3000 })).textContent).toContain('2 of 3 rows have errors');
    const table = await screen.findByTestId('import-error-table');
    await waitFor(() => expect(within(table).getByText('Industry: Not an option')).toBeTruthy());
    expect(within(table).getByText('Account name: Required')).toBeTruthy();
    expect((screen.getByTestId('import-error-report')).getAttribute('href')).toBe('/api/v1/imports/run-1/errors.csv');
    expect(within(screen.getByTestId('import-preview')).getByText('Manufacturing')).toBeTruthy();
    expect(polls).toBeGreaterThan(0);
    // Skip-bad-rows: the good rows may be imported.
    expect((screen.getByTestId('import-start')).textContent).toContain('Import the good rows');
    expect((screen.getByTestId('import-start') as HTMLButtonElement).disabled).toBe(false);
  });

  it('shows live progress, cancels, then undoes a finished import', async () => {
    let state: 'dry' | 'running' | 'cancelling' | 'cancelled' = 'dry';
    const calls = stub(({ url, method }) => {
      if (url.includes('/mappings?')) return { mappings: [] };
      if (url.endsWith('/uploads')) return [201, preview({ 客户名称: 'name', 行业: 'industry', 电话: 'phone' })];
      if (url === '/api/v1/imports' && method === 'POST') {
        const dry = (calls[calls.length - 1].body as { dry_run: boolean }).dry_run;
        if (!dry) state = 'running';
        return [202, run({ id: dry ? 'dry-1' : 'run-1', dry_run: dry, total: 10000 })];
      }
      if (url === '/api/v1/imports/dry-1') return run({ id: 'dry-1', dry_run: true, status: 'done', total: 10000, processed: 10000, created: 10000 });
      if (url === '/api/v1/imports/run-1/cancel') {
        state = 'cancelling';
        return run({ status: 'running', total: 10000, processed: 2000, created: 2000, cancel_requested: true });
      }
      if (url === '/api/v1/imports/run-1/undo') return run({ status: 'undone', total: 10000, processed: 3000, created: 3000 });
      if (url === '/api/v1/imports/run-1') {
        if (state === 'cancelling') {
          state = 'cancelled';
          return run({ status: 'cancelled', total: 10000, processed: 3000, created: 3000 });
        }
        return run({ status: state === 'cancelled' ? 'cancelled' : 'running', total: 10000, processed: 2000, created: 2000 });
      }
      return [404, {}];
    });
    renderWith(<ImportWizard object={account} />);
    await throughCheck();
    expect((await screen.findByTestId('import-dry-ok', {}, { timeout: 3000 })).textContent).toContain('All 10000 rows are good');
    fireEvent.click(screen.getByTestId('import-start'));
    await waitFor(() => expect((screen.getByTestId('import-progress-text')).textContent).toContain('2000 of 10000 rows'), { timeout: 3000 });
    expect((screen.getByTestId('import-progress-bar')).getAttribute('data-percent')).toBe('20');
    fireEvent.click(screen.getByTestId('import-cancel'));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/cancel') && c.method === 'POST')).toBe(true));
    expect((await screen.findByTestId('import-result-title', {}, { timeout: 3000 })).textContent).toContain('Import cancelled');
    expect((screen.getByTestId('import-result-counts')).textContent).toContain('3000 created');
    // Undo asks first.
    fireEvent.click(screen.getByTestId('import-undo'));
    expect(calls.some((c) => c.url.endsWith('/undo'))).toBe(false);
    fireEvent.click(await screen.findByTestId('import-undo-ok'));
    await waitFor(() => expect((screen.getByTestId('import-result-title')).textContent).toContain('Import undone'));
    expect(calls.filter((c) => c.url.endsWith('/undo') && c.method === 'POST')).toHaveLength(1);
    expect(screen.queryByTestId('import-undo')).toBeNull();
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWith } from '../../test/render';
import { json, problem } from '../../test/session';
import ConfigPackagesPage from './ConfigPackagesPage';
import { canInstall, type PackageDiff } from './configPackages';

afterEach(() => vi.unstubAllGlobals());

const preview: PackageDiff = {
  package: 'sandbox-config',
  tenant: 'prod',
  dry_run: true,
  force: false,
  applied: false,
  refused: [],
  summary: 'package sandbox-config → tenant prod: dry run',
  entries: [
    { kind: 'object', key: 'warranty_claim', action: 'create', changes: ['5 field(s)'], reason: null },
    { kind: 'object', key: 'account', action: 'update', changes: ['account.industry=robotics: new picklist value'], reason: null },
    { kind: 'flow', key: 'claim_notes', action: 'conflict', changes: ['labels changed'], reason: 'changed in this tenant; kept this tenant’s' },
    { kind: 'report', key: '索赔分析/By severity', action: 'unchanged', changes: [], reason: null },
  ],
};

interface Call {
  url: string;
  method: string;
  form: FormData | null;
}

function stub(answer: (c: Call) => Response): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call = { url, method: init.method ?? 'GET', form: init.body instanceof FormData ? init.body : null };
      calls.push(call);
      return answer(call);
    }),
  );
  return calls;
}

function choose(name = 'sandbox.zip') {
  const input = screen.getByTestId('config-package-file') as HTMLInputElement;
  const file = new File(['PK'], name, { type: 'application/zip' });
  fireEvent.change(input, { target: { files: [file] } });
  return file;
}

function installButton(): HTMLButtonElement {
  return screen.getByTestId('config-package-install') as HTMLButtonElement;
}

describe('ConfigPackagesPage', () => {
  it('uploads a package, shows the diff (blocked and conflicts first), then installs it', async () => {
    const calls = stub((c) => (c.url.endsWith('/install') ? json(200, { ...preview, dry_run: false, applied: true }) : json(200, preview)));
    renderWith(<ConfigPackagesPage />, { lang: 'en' });
    choose();
    await waitFor(() => expect(screen.getByTestId('config-package-counts').textContent).toBe('1 new, 1 to update, 1 conflicts, 0 cannot apply'));
    expect(calls[0]).toMatchObject({ method: 'POST', url: '/api/v1/config-package/preview' });
    expect(calls[0].form?.get('force')).toBe('false');
    expect((calls[0].form?.get('file') as File).name).toBe('sandbox.zip');
    const rows = within(screen.getByTestId('config-package-diff')).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.textContent)).toEqual([
      expect.stringContaining('Conflict (kept)'),
      expect.stringContaining('New'),
      expect.stringContaining('account.industry=robotics: new picklist value'),
      expect.stringContaining('Unchanged'),
    ]);
    expect(rows[0].textContent).toContain('Flow');

    fireEvent.click(screen.getByTestId('config-package-install'));
    await waitFor(() => expect(calls.map((c) => c.url)).toContain('/api/v1/config-package/install'));
    await waitFor(() => expect(installButton().disabled).toBe(true));
  });

  it('compares again with overwriting when the box is ticked', async () => {
    const calls = stub(() => json(200, preview));
    renderWith(<ConfigPackagesPage />, { lang: 'en' });
    choose();
    await waitFor(() => expect(calls).toHaveLength(1));
    fireEvent.click(screen.getByTestId('config-package-force'));
    await waitFor(() => expect(calls).toHaveLength(2));
    expect(calls[1].form?.get('force')).toBe('true');
  });

  it('shows a refused package with what cannot apply, and offers no install', async () => {
    const refused: PackageDiff = {
      ...preview,
      refused: ["needs the standard package 'marketing', not installed here"],
      entries: [{ kind: 'approval', key: 'big_claims', action: 'blocked', changes: [], reason: "unresolvable: user 'a@b.example'" }],
    };
    stub(() => json(200, refused));
    renderWith(<ConfigPackagesPage />, { lang: 'zh-CN' });
    choose();
    await waitFor(() => expect(screen.getByTestId('config-package-refused').textContent).toContain('未做任何更改'));
    expect(screen.getByTestId('config-package-refused').textContent).toContain("'marketing'");
    expect(screen.getByTestId('config-package-diff').textContent).toContain('无法应用');
    expect(screen.getByTestId('config-package-diff').textContent).toContain("unresolvable: user 'a@b.example'");
    expect(installButton().disabled).toBe(true);
  });

  it('shows the diff of an install the server refused (409), and a bad file’s error', async () => {
    const blocked: PackageDiff = { ...preview, entries: [{ ...preview.entries[0], action: 'blocked', reason: 'refused: type read_only' }] };
    stub((c) => (c.url.endsWith('/install') ? problem(409, { code: 'config_package_refused', diff: blocked }) : json(200, preview)));
    renderWith(<ConfigPackagesPage />, { lang: 'en' });
    choose();
    await waitFor(() => expect(installButton().disabled).toBe(false));
    fireEvent.click(screen.getByTestId('config-package-install'));
    await waitFor(() => expect(screen.getByTestId('config-package-diff').textContent).toContain('refused: type read_only'));
    expect(screen.getByTestId('config-package-refused')).toBeTruthy();

    stub(() => problem(422, { code: 'invalid_request', detail: 'file: Not a configuration package: not a zip file.', errors: [{ field: 'file', code: 'invalid_package', message: 'Not a configuration package: not a zip file.' }] }));
    choose('notes.txt');
    await waitFor(() => expect(screen.getByTestId('config-package-error').textContent).toContain('not a zip file'));
  });

  it('downloads the company’s package as a file', async () => {
    const calls = stub(() => new Response(new Blob(['PK']), { status: 200, headers: { 'Content-Type': 'application/zip', 'Content-Disposition': 'attachment; filename="acme-config.zip"' } }));
    const created = vi.fn(() => 'blob:config');
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }));
    const clicked = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    renderWith(<ConfigPackagesPage />, { lang: 'en' });
    fireEvent.click(screen.getByTestId('config-package-download'));
    await waitFor(() => expect(clicked).toHaveBeenCalled());
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/v1/config-package' });
    expect((clicked.mock.instances[0] as HTMLAnchorElement).download).toBe('acme-config.zip');
    clicked.mockRestore();
  });
});

describe('canInstall', () => {
  it('needs something to do and nothing refused or blocked', () => {
    expect(canInstall(preview)).toBe(true);
    expect(canInstall({ ...preview, refused: ['x'] })).toBe(false);
    expect(canInstall({ ...preview, entries: [{ kind: 'flow', key: 'f', action: 'unchanged', changes: [] }] })).toBe(false);
  });
});

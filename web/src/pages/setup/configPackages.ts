/**
 * Setup › Configuration packages: the calls (download, compare, install) and the pure parts
 * of the screen (what the diff says, whether it may be installed). The server decides
 * everything; this only shows its diff (keyi.configpkg).
 */
import { API_BASE, ApiError, buildHeaders, parseProblem, request } from '../../api/client';
import { attachmentName } from '../../reports/api';

export type DiffAction = 'create' | 'update' | 'conflict' | 'blocked' | 'unchanged';
export const ITEM_KINDS = ['object', 'report_folder', 'report', 'dashboard', 'list_view', 'flow', 'approval', 'document_template', 'template'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export interface DiffEntry {
  kind: string;
  key: string;
  action: DiffAction;
  changes: string[];
  reason?: string | null;
}

export interface PackageDiff {
  package: string;
  tenant: string;
  dry_run: boolean;
  force?: boolean;
  applied: boolean;
  refused: string[];
  summary: string;
  entries: DiffEntry[];
}

function packageForm(file: File, force: boolean): FormData {
  const form = new FormData();
  form.append('file', file);
  form.append('force', force ? 'true' : 'false');
  return form;
}

export const configPackageApi = {
  /** What installing `file` here would do; nothing changes. */
  preview(file: File, force: boolean) {
    return request<PackageDiff>('/api/v1/config-package/preview', { method: 'POST', body: packageForm(file, force) });
  },
  /** Install, all or nothing: a refusal is a 409 whose problem carries the same diff. */
  install(file: File, force: boolean) {
    return request<PackageDiff>('/api/v1/config-package/install', { method: 'POST', body: packageForm(file, force) });
  },
  /** Download this company's package and hand it to the browser as a file. */
  async download(): Promise<void> {
    const res = await fetch(`${API_BASE}/api/v1/config-package`, {
      method: 'GET',
      headers: buildHeaders('GET', false),
      credentials: 'same-origin',
    }).catch((e: unknown) => {
      throw new ApiError(0, { status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) });
    });
    if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
    const url = URL.createObjectURL(await res.blob());
    try {
      const a = document.createElement('a');
      a.href = url;
      a.download = attachmentName(res.headers.get('Content-Disposition'), 'config-package.zip');
      document.body.appendChild(a);
      a.click();
      a.remove();
    } finally {
      setTimeout(() => URL.revokeObjectURL(url), 0);
    }
  },
};

/** The diff inside a refused install's problem, if that is what the error is. */
export function refusedDiff(error: unknown): PackageDiff | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const diff = (error.problem as { diff?: PackageDiff }).diff;
  return diff && Array.isArray(diff.entries) ? diff : null;
}

export function countActions(diff: PackageDiff): Record<DiffAction, number> {
  const counts: Record<DiffAction, number> = { create: 0, update: 0, conflict: 0, blocked: 0, unchanged: 0 };
  for (const e of diff.entries) counts[e.action] += 1;
  return counts;
}

/** Installable: nothing refused or blocked, and something to do. */
export function canInstall(diff: PackageDiff): boolean {
  const counts = countActions(diff);
  return diff.refused.length === 0 && counts.blocked === 0 && counts.create + counts.update > 0;
}

/** The rows worth a look first: what cannot apply, then conflicts, then changes. */
export function sortedEntries(diff: PackageDiff): DiffEntry[] {
  const order: DiffAction[] = ['blocked', 'conflict', 'create', 'update', 'unchanged'];
  return [...diff.entries].sort((a, b) => order.indexOf(a.action) - order.indexOf(b.action));
}

export function isKnownKind(kind: string): kind is ItemKind {
  return (ITEM_KINDS as readonly string[]).includes(kind);
}

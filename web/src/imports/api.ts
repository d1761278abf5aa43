/**
 * The import API (/api/v1/imports) as the wizard and Setup › Imports use it, typed from the
 * generated OpenAPI schema. Kept with the import screens so it loads with their (lazy) chunk.
 */
import { getApiLanguage, qs, request } from '../api/client';
import type { components } from '../api/schema.gen';

export type ImportPreview = components['schemas']['PreviewOut'];
export type ImportRun = components['schemas']['RunOut'];
export type ImportField = components['schemas']['FieldOut'];
export type SavedMapping = components['schemas']['MappingOut'];
export type StartImport = components['schemas']['StartBody'];
export type ImportMode = StartImport['mode'];
export type RunStatus = ImportRun['status'];
/** Header → field name (null: the column is not imported). */
export type Mapping = Record<string, string | null>;

const enc = encodeURIComponent;
const BASE = '/api/v1/imports';

export const importsApi = {
  /** Store a file and read its preview (encoding, sheets, header row, automatic mapping). */
  upload(object: string, file: File, sheet?: string | null): Promise<ImportPreview> {
    const form = new FormData();
    form.append('object', object);
    if (sheet) form.append('sheet', sheet);
    form.append('file', file, file.name);
    return request<ImportPreview>(`${BASE}/uploads`, { method: 'POST', body: form });
  },
  /** The preview of another sheet of an uploaded workbook. */
  preview(uploadId: string, sheet?: string | null): Promise<ImportPreview> {
    return request<ImportPreview>(`${BASE}/uploads/${enc(uploadId)}${qs({ sheet })}`);
  },
  mappings(object: string): Promise<SavedMapping[]> {
    return request<{ mappings: SavedMapping[] }>(`${BASE}/mappings${qs({ object })}`).then((r) => r.mappings);
  },
  saveMapping(object: string, name: string, columns: Mapping): Promise<SavedMapping> {
    return request<SavedMapping>(`${BASE}/mappings/${enc(object)}/${enc(name)}`, { method: 'PUT', body: { columns } });
  },
  start(body: StartImport): Promise<ImportRun> {
    return request<ImportRun>(BASE, { method: 'POST', body });
  },
  run(id: string, signal?: AbortSignal): Promise<ImportRun> {
    return request<ImportRun>(`${BASE}/${enc(id)}`, { signal });
  },
  runs(params: { object?: string | null; before?: string | null; limit?: number } = {}): Promise<ImportRun[]> {
    return request<{ runs: ImportRun[] }>(`${BASE}${qs(params)}`).then((r) => r.runs);
  },
  cancel(id: string): Promise<ImportRun> {
    return request<ImportRun>(`${BASE}/${enc(id)}/cancel`, { method: 'POST' });
  },
  undo(id: string): Promise<ImportRun> {
    return request<ImportRun>(`${BASE}/${enc(id)}/undo`, { method: 'POST' });
  },
  /** The error report's address (a plain GET link: the session cookie authenticates it). */
  errorsUrl(id: string): string {
    return `${BASE}/${enc(id)}/errors.csv`;
  },
  /** The error report's text (the wizard shows its first rows as a table). */
  async errorsText(id: string): Promise<string> {
    const res = await fetch(`${BASE}/${enc(id)}/errors.csv`, {
      credentials: 'same-origin',
      headers: { 'Accept-Language': getApiLanguage() },
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.text();
  },
};

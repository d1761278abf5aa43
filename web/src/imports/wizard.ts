/**
 * The import wizard without React: which mapping a step starts from, what keeps it from going
 * on, how far a run is, and the error report read back as rows. Kept apart so the screens stay
 * about layout and these rules are tested on their own.
 */
import type { ImportField, ImportMode, ImportRun, Mapping, RunStatus } from './api';

/** The statuses of a run that is still moving (the wizard polls it). */
export const ACTIVE_STATUSES: RunStatus[] = ['queued', 'running'];

export const STATUS_COLORS: Record<RunStatus, string> = {
  queued: 'default',
  running: 'processing',
  done: 'success',
  failed: 'error',
  cancelled: 'warning',
  undone: 'default',
};

export function isActive(run: ImportRun): boolean {
  return ACTIVE_STATUSES.includes(run.status);
}

/**
 * The mapping of `headers` after a saved mapping is applied: the saved choice for each header
 * it knows, the current one for the others (a saved mapping's headers absent from the file are
 * ignored, as the server does). A field chosen twice keeps only its first header.
 */
export function applySavedMapping(headers: string[], current: Mapping, saved: Mapping): Mapping {
  const out: Mapping = {};
  const taken = new Set<string>();
  for (const h of headers) {
    const field = Object.prototype.hasOwnProperty.call(saved, h) ? saved[h] : (current[h] ?? null);
    if (field && !taken.has(field)) {
      out[h] = field;
      taken.add(field);
    } else {
      out[h] = null;
    }
  }
  return out;
}

/** The mapping of `headers`, each to its field or null (a header the server left out is null). */
export function initialMapping(headers: string[], automatic: Mapping): Mapping {
  return Object.fromEntries(headers.map((h) => [h, automatic[h] ?? null]));
}

/** The fields a column may go to: only those the user may import into. */
export function mappableFields(fields: ImportField[]): ImportField[] {
  return fields.filter((f) => f.importable);
}

/**
 * Required fields no column gives a value to, for a mode that creates records (an update
 * leaves unmapped fields as they are). Fields with a default are filled by it.
 */
export function missingRequired(fields: ImportField[], mapping: Mapping, mode: ImportMode): ImportField[] {
  if (mode === 'update') return [];
  const mapped = new Set(Object.values(mapping).filter((v): v is string => !!v));
  return fields.filter((f) => f.required && f.importable && !f.has_default && !mapped.has(f.name));
}

/** Whether any column is imported at all. */
export function anyMapped(mapping: Mapping): boolean {
  return Object.values(mapping).some((v) => !!v);
}

/** Fields a key may be: a unique field (and `id` for an update). */
export function keyFields(fields: ImportField[], mode: ImportMode): ImportField[] {
  return fields.filter((f) => f.unique && (f.name !== 'id' || mode === 'update'));
}

/** The run's progress in percent (0 until it knows its total). */
export function progressPercent(run: ImportRun): number {
  if (run.status === 'done') return 100;
  if (!run.total) return 0;
  return Math.min(100, Math.floor((run.processed / run.total) * 100));
}

/** Whether a finished run has something to undo (what the server also checks). */
export function undoable(run: ImportRun): boolean {
  return !run.dry_run && (run.status === 'done' || run.status === 'cancelled') && run.created + run.updated > 0;
}

/** Parse CSV text (RFC 4180: quotes, doubled quotes, newlines in quoted cells); a BOM is dropped. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

export interface ErrorRow {
  row: number;
  cells: string[];
  errors: string;
}

/** The error report (row number, original cells, errors) as rows, at most `limit`. */
export function errorRows(csvText: string, limit = 100): { headers: string[]; rows: ErrorRow[] } {
  const [head, ...body] = parseCsv(csvText);
  if (!head) return { headers: [], rows: [] };
  const headers = head.slice(1, -1);
  const rows = body.slice(0, limit).map((r) => ({
    row: Number(r[0]),
    cells: r.slice(1, -1).map((c) => (c.startsWith("'") && /^'[=+\-@]/.test(c) ? c.slice(1) : c)),
    errors: r[r.length - 1] ?? '',
  }));
  return { headers, rows };
}

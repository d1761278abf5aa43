/**
 * Pure helpers of the SLA setup screens: the targets grid (priority × account grade) built
 * from sla_target records and the writes an edited grid needs, working hours checks and the
 * display of due times. Kept apart from the page so they are tested without a browser.
 */
import type { RecordData } from '../../api/types';

export const PRIORITIES = ['urgent', 'high', 'medium', 'low'] as const;
/** '' is "any grade": a target for the case's own grade wins over it. */
export const GRADES = ['', 'A', 'B', 'C', 'D'] as const;
export const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;

export interface Cell {
  id?: string;
  first: number | null;
  resolution: number | null;
}
export type Grid = Record<string, Cell>;

export const cellKey = (priority: string, grade: string) => `${priority}|${grade}`;

const hours = (value: unknown): number | null => {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

/** The grid of a policy's targets, every priority × grade present (empty where none). */
export function targetGrid(targets: RecordData[]): Grid {
  const grid: Grid = {};
  for (const p of PRIORITIES) for (const g of GRADES) grid[cellKey(p, g)] = { first: null, resolution: null };
  for (const t of targets) {
    const key = cellKey(String(t.priority ?? ''), String(t.account_grade ?? ''));
    grid[key] = { id: t.id, first: hours(t.first_response_hours), resolution: hours(t.resolution_hours) };
  }
  return grid;
}

export interface TargetWrites {
  create: Record<string, unknown>[];
  update: { id: string; values: Record<string, unknown> }[];
  remove: string[];
}

/** What saving an edited grid writes: new cells created, changed ones updated, cleared ones
 * (both hours empty) deleted; a half-filled cell is left to the server to refuse. */
export function targetWrites(policyId: string, before: Grid, after: Grid): TargetWrites {
  const writes: TargetWrites = { create: [], update: [], remove: [] };
  for (const [key, cell] of Object.entries(after)) {
    const [priority, grade] = key.split('|');
    const old = before[key] ?? { first: null, resolution: null };
    const empty = cell.first === null && cell.resolution === null;
    if (old.id && empty) writes.remove.push(old.id);
    else if (old.id && (old.first !== cell.first || old.resolution !== cell.resolution))
      writes.update.push({ id: old.id, values: { first_response_hours: cell.first, resolution_hours: cell.resolution } });
    else if (!old.id && !empty)
      writes.create.push({
        policy: policyId,
        priority,
        account_grade: grade || null,
        first_response_hours: cell.first,
        resolution_hours: cell.resolution,
      });
  }
  return writes;
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
export const isHhmm = (text: string): boolean => HHMM.test(text);
const minutes = (text: string) => Number(text.slice(0, 2)) * 60 + Number(text.slice(3));

/** Why an interval would be refused (as the server would), or null. */
export function intervalProblem(start: string, end: string): 'invalidTime' | 'endBeforeStart' | null {
  if (!isHhmm(start) || !isHhmm(end)) return 'invalidTime';
  if (start === '24:00' || minutes(end) <= minutes(start)) return 'endBeforeStart';
  return null;
}

/** Working hours sorted by weekday and start. */
export function sortedHours(rows: RecordData[]): RecordData[] {
  return [...rows].sort((a, b) =>
    `${a.weekday}${a.start_time}`.localeCompare(`${b.weekday}${b.start_time}`),
  );
}

/** "2026-12-07T12:00:00+08:00" → "2026-12-07 12:00 (+08:00)": the calendar's own wall clock. */
export function formatDue(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?([+-]\d{2}:\d{2}|Z)$/.exec(iso);
  if (!m) return iso;
  return `${m[1]} ${m[2]} (${m[3] === 'Z' ? '+00:00' : m[3]})`;
}

/** A datetime-local input value ("2026-12-04T17:00") with the calendar's offset → ISO 8601. */
export function localToIso(local: string, offset = '+08:00'): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(local) ? `${local}:00${offset}` : local;
}

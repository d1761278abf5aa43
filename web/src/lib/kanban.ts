/**
 * Kanban board logic, kept free of React so it can be unit-tested: which field groups the
 * board, the columns and their filters, optimistic moves with rollback, and column totals.
 */
import { ApiError } from '../api/client';
import type { AggregateResult, FieldMeta, FilterNode, ObjectMeta, RecordData } from '../api/types';
import { andFilters } from './filter';

/** The key of the column for records whose picklist is empty. */
export const EMPTY_COLUMN = '__empty__';

/** Picklist fields a board can be grouped by. */
export function kanbanFields(obj: ObjectMeta): FieldMeta[] {
  return obj.fields.filter((f) => f.type === 'picklist' && !f.read_only && (f.options?.length ?? 0) > 0);
}

/** The default grouping: a stage, then a status, then the first picklist. */
export function defaultKanbanField(obj: ObjectMeta): FieldMeta | undefined {
  const fields = kanbanFields(obj);
  return fields.find((f) => f.name === 'stage') ?? fields.find((f) => /status|stage/.test(f.name)) ?? fields[0];
}

/** The number field summed in the column headers: the first currency, if any. */
export function amountField(obj: ObjectMeta): FieldMeta | undefined {
  return obj.fields.find((f) => f.type === 'currency');
}

export interface KanbanColumnDef {
  key: string;
  /** The picklist value written when a card is dropped here (null: empty). */
  value: string | null;
}

/** One column per option, plus one for "no value" when the field may be empty. */
export function kanbanColumns(field: FieldMeta): KanbanColumnDef[] {
  const cols: KanbanColumnDef[] = (field.options ?? []).map((o) => ({ key: o.value, value: o.value }));
  if (!field.required) cols.push({ key: EMPTY_COLUMN, value: null });
  return cols;
}

/** The filter of one column: the board's filter AND the picklist value (or empty). */
export function columnFilter(field: FieldMeta, column: KanbanColumnDef, base: FilterNode | null): FilterNode {
  const own: FilterNode =
    column.value === null ? { field: field.name, op: 'is_null', value: true } : { field: field.name, op: 'eq', value: column.value };
  return andFilters(base, own)!;
}

export interface ColumnState {
  records: RecordData[];
  nextCursor: string | null;
  loading: boolean;
}
export type BoardState = Record<string, ColumnState>;

/** Move a card between columns (optimistically): out of `from`, to the top of `to`, with the new value. */
export function moveCard(board: BoardState, id: string, from: string, to: string, patch: Partial<RecordData>): BoardState {
  if (from === to) return board;
  const source = board[from];
  const target = board[to];
  if (!source || !target) return board;
  const card = source.records.find((r) => r.id === id);
  if (!card) return board;
  return {
    ...board,
    [from]: { ...source, records: source.records.filter((r) => r.id !== id) },
    [to]: { ...target, records: [{ ...card, ...patch }, ...target.records.filter((r) => r.id !== id)] },
  };
}

/** Put a card back where it was (after the server refused the move), at its old position. */
export function rollbackCard(board: BoardState, original: RecordData, from: string, index: number, to: string): BoardState {
  const source = board[from];
  const target = board[to];
  if (!source || !target) return board;
  const records = source.records.filter((r) => r.id !== original.id);
  records.splice(Math.min(index, records.length), 0, original);
  return {
    ...board,
    [to]: { ...target, records: target.records.filter((r) => r.id !== original.id) },
    [from]: { ...source, records },
  };
}

/** Replace a card with the server's version (new `version`, recalculated fields). */
export function replaceCard(board: BoardState, column: string, record: RecordData): BoardState {
  const col = board[column];
  if (!col) return board;
  return { ...board, [column]: { ...col, records: col.records.map((r) => (r.id === record.id ? { ...r, ...record } : r)) } };
}

export interface ColumnTotal {
  count: number;
  sum: number | null;
}

/** Aggregate groups (grouped by the picklist) → totals per column key. */
export function columnTotals(result: AggregateResult, field: string, amount?: string): Record<string, ColumnTotal> {
  const out: Record<string, ColumnTotal> = {};
  for (const g of result.groups ?? []) {
    const raw = g.key[field];
    const key = raw === null || raw === undefined || raw === '' ? EMPTY_COLUMN : String(raw);
    const sum = amount ? g.values[`sum_${amount}`] : null;
    out[key] = { count: Number(g.values.count ?? 0), sum: sum === null || sum === undefined ? null : Number(sum) };
  }
  return out;
}

/** Adjust totals locally after a move, so the headers agree with the cards at once. */
export function shiftTotals(totals: Record<string, ColumnTotal>, from: string, to: string, amount: number | null): Record<string, ColumnTotal> {
  const next = { ...totals };
  const a = next[from] ?? { count: 0, sum: null };
  const b = next[to] ?? { count: 0, sum: null };
  const v = amount ?? 0;
  next[from] = { count: Math.max(0, a.count - 1), sum: a.sum === null ? null : a.sum - v };
  next[to] = { count: b.count + 1, sum: b.sum === null ? (amount === null ? null : v) : b.sum + v };
  return next;
}

/**
 * Fields the user must fill before a move can succeed: the 422 field errors of the refused
 * update that name a field the user may edit (e.g. lost_reason when moving to Closed lost).
 * Empty when the error is of another kind (then the card just goes back with a message).
 */
export function missingFields(error: unknown, obj: ObjectMeta, groupField: string): FieldMeta[] {
  if (!(error instanceof ApiError) || error.status !== 422) return [];
  const out: FieldMeta[] = [];
  for (const fe of error.fieldErrors) {
    const name = (fe.field ?? '').replace(/^body\./, '');
    if (name === groupField) continue;
    const f = obj.fields.find((x) => x.name === name);
    if (f && !f.read_only && !out.includes(f)) out.push(f);
  }
  return out;
}

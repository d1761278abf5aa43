import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { RecordData } from '../api/types';
import {
  columnFilter,
  columnTotals,
  defaultKanbanField,
  EMPTY_COLUMN,
  kanbanColumns,
  missingFields,
  moveCard,
  rollbackCard,
  shiftTotals,
  type BoardState,
} from './kanban';
import { field, opportunity } from '../test/fixtures';

const stage = opportunity.fields.find((f) => f.name === 'stage')!;
const rec = (id: string, extra: Partial<RecordData> = {}): RecordData => ({ id, version: 1, ...extra });
const board = (): BoardState => ({
  prospecting: { records: [rec('a'), rec('b'), rec('c')], nextCursor: null, loading: false },
  won: { records: [rec('d')], nextCursor: 'x', loading: false },
});

describe('kanban', () => {
  it('groups by stage with one column per option and an empty column for optional fields', () => {
    expect(defaultKanbanField(opportunity)?.name).toBe('stage');
    expect(kanbanColumns(stage).map((c) => c.key)).toEqual(['prospecting', 'won', 'lost', EMPTY_COLUMN]);
    expect(kanbanColumns({ ...stage, required: true }).map((c) => c.key)).toEqual(['prospecting', 'won', 'lost']);
  });

  it('filters each column by its value on top of the board filter', () => {
    const base = { field: 'amount', op: 'gt' as const, value: 5 };
    expect(columnFilter(stage, { key: 'won', value: 'won' }, base)).toEqual({ and: [base, { field: 'stage', op: 'eq', value: 'won' }] });
    expect(columnFilter(stage, { key: EMPTY_COLUMN, value: null }, null)).toEqual({ field: 'stage', op: 'is_null', value: true });
  });

  it('moves a card optimistically and puts it back at its old place', () => {
    const moved = moveCard(board(), 'b', 'prospecting', 'won', { stage: 'won' });
    expect(moved.prospecting.records.map((r) => r.id)).toEqual(['a', 'c']);
    expect(moved.won.records.map((r) => r.id)).toEqual(['b', 'd']);
    expect(moved.won.records[0].stage).toBe('won');
    const back = rollbackCard(moved, rec('b'), 'prospecting', 1, 'won');
    expect(back.prospecting.records.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(back.won.records.map((r) => r.id)).toEqual(['d']);
    expect(moveCard(board(), 'b', 'prospecting', 'prospecting', {})).toEqual(board());
  });

  it('reads column totals from aggregate groups and shifts them after a move', () => {
    const totals = columnTotals(
      {
        groups: [
          { key: { stage: 'prospecting' }, values: { count: 3, sum_amount: 300 } },
          { key: { stage: null }, values: { count: 1, sum_amount: null } },
        ],
      },
      'stage',
      'amount',
    );
    expect(totals).toEqual({ prospecting: { count: 3, sum: 300 }, [EMPTY_COLUMN]: { count: 1, sum: null } });
    expect(shiftTotals(totals, 'prospecting', 'won', 100)).toMatchObject({ prospecting: { count: 2, sum: 200 }, won: { count: 1, sum: 100 } });
  });

  it('finds the fields a refused move needs (validation rule on another field)', () => {
    const obj = { ...opportunity, fields: [...opportunity.fields, field('lost_reason', 'picklist', { options: [] })] };
    const err = new ApiError(422, {
      status: 422,
      errors: [
        { field: 'lost_reason', code: 'rule', message: 'Give a reason' },
        { field: 'stage', code: 'x', message: 'y' },
      ],
    });
    expect(missingFields(err, obj, 'stage').map((f) => f.name)).toEqual(['lost_reason']);
    expect(missingFields(new ApiError(412, { status: 412 }), obj, 'stage')).toEqual([]);
  });
});

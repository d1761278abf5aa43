import { describe, expect, it } from 'vitest';
import { cellKey, formatDue, intervalProblem, localToIso, sortedHours, targetGrid, targetWrites } from './slaModel';

const target = (id: string, priority: string, grade: string | null, first: string, resolution: string) => ({
  id,
  priority,
  account_grade: grade,
  first_response_hours: first,
  resolution_hours: resolution,
});

describe('targets grid', () => {
  it('has every priority × grade, filled from the targets', () => {
    const grid = targetGrid([target('t1', 'high', null, '4.00', '16.00'), target('t2', 'high', 'A', '1.5', '8')]);
    expect(Object.keys(grid)).toHaveLength(20);
    expect(grid[cellKey('high', '')]).toEqual({ id: 't1', first: 4, resolution: 16 });
    expect(grid[cellKey('high', 'A')]).toEqual({ id: 't2', first: 1.5, resolution: 8 });
    expect(grid[cellKey('low', 'D')]).toEqual({ first: null, resolution: null });
  });
  it('writes what changed: creates, updates, deletes cleared cells', () => {
    const before = targetGrid([target('t1', 'high', null, '4', '16'), target('t2', 'low', null, '16', '80')]);
    const after = structuredClone(before);
    after[cellKey('high', '')] = { id: 't1', first: 2, resolution: 16 };
    after[cellKey('low', '')] = { id: 't2', first: null, resolution: null };
    after[cellKey('urgent', 'A')] = { first: 0.5, resolution: 4 };
    const writes = targetWrites('p1', before, after);
    expect(writes.update).toEqual([{ id: 't1', values: { first_response_hours: 2, resolution_hours: 16 } }]);
    expect(writes.remove).toEqual(['t2']);
    expect(writes.create).toEqual([
      { policy: 'p1', priority: 'urgent', account_grade: 'A', first_response_hours: 0.5, resolution_hours: 4 },
    ]);
    expect(targetWrites('p1', before, before)).toEqual({ create: [], update: [], remove: [] });
  });
});

describe('working hours', () => {
  it('checks HH:MM and the order', () => {
    expect(intervalProblem('09:00', '18:00')).toBeNull();
    expect(intervalProblem('18:00', '24:00')).toBeNull();
    expect(intervalProblem('9:00', '18:00')).toBe('invalidTime');
    expect(intervalProblem('09:00', '24:30')).toBe('invalidTime');
    expect(intervalProblem('18:00', '09:00')).toBe('endBeforeStart');
    expect(intervalProblem('24:00', '24:00')).toBe('endBeforeStart');
  });
  it('sorts by weekday and start', () => {
    const rows = [
      { id: 'b', weekday: '2', start_time: '09:00' },
      { id: 'c', weekday: '1', start_time: '13:30' },
      { id: 'a', weekday: '1', start_time: '09:00' },
    ];
    expect(sortedHours(rows).map((r) => r.id)).toEqual(['a', 'c', 'b']);
  });
});

describe('due times', () => {
  it('shows the calendar wall clock with its offset', () => {
    expect(formatDue('2026-12-07T12:00:00+08:00')).toBe('2026-12-07 12:00 (+08:00)');
    expect(formatDue('2026-12-07T04:00:00Z')).toBe('2026-12-07 04:00 (+00:00)');
    expect(formatDue('soon')).toBe('soon');
    expect(localToIso('2026-12-04T17:00')).toBe('2026-12-04T17:00:00+08:00');
  });
});

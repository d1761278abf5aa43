import { describe, expect, it } from 'vitest';
import { fiscalYearOf, periodContaining, periodEnd, periodLabel, periodsOfYear } from './periods';

describe('target periods', () => {
  it('finds the first day of the month, fiscal quarter and fiscal year of a day', () => {
    expect(periodContaining('2026-05-15', 'month', 4)).toBe('2026-05-01');
    expect(periodContaining('2026-05-15', 'quarter', 1)).toBe('2026-04-01');
    expect(periodContaining('2026-05-15', 'quarter', 2)).toBe('2026-05-01');
    expect(periodContaining('2026-03-31', 'quarter', 4)).toBe('2026-01-01');
    expect(periodContaining('2026-03-31', 'year', 4)).toBe('2025-04-01');
    expect(periodContaining('2026-04-01', 'year', 4)).toBe('2026-04-01');
    expect(periodContaining('2026-12-31', 'year', 1)).toBe('2026-01-01');
    // February start: quarters begin Feb, May, Aug, Nov; January belongs to the one from November.
    expect(periodContaining('2026-01-15', 'quarter', 2)).toBe('2025-11-01');
    expect(periodContaining('2026-01-15', 'year', 2)).toBe('2025-02-01');
    expect(fiscalYearOf('2026-03-31', 4)).toBe(2025);
  });

  it('lists a fiscal year\'s periods in order, across the calendar year', () => {
    expect(periodsOfYear('quarter', 2025, 4)).toEqual(['2025-04-01', '2025-07-01', '2025-10-01', '2026-01-01']);
    expect(periodsOfYear('year', 2025, 4)).toEqual(['2025-04-01']);
    const months = periodsOfYear('month', 2025, 10);
    expect(months).toHaveLength(12);
    expect([months[0], months[2], months[3], months[11]]).toEqual(['2025-10-01', '2025-12-01', '2026-01-01', '2026-09-01']);
  });

  it('names periods as the server names its targets, and knows their last day', () => {
    expect(periodLabel('2026-01-01', 'quarter', 4)).toBe('FY2025-Q4');
    expect(periodLabel('2026-04-01', 'quarter', 1)).toBe('2026-Q2');
    expect(periodLabel('2026-04-01', 'year', 4)).toBe('FY2026');
    expect(periodLabel('2026-04-01', 'month', 4)).toBe('2026-04');
    expect(periodEnd('2024-02-01', 'month')).toBe('2024-02-29');
    expect(periodEnd('2025-10-01', 'quarter')).toBe('2025-12-31');
    expect(periodEnd('2025-04-01', 'year')).toBe('2026-03-31');
  });
});

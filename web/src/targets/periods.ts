/**
 * Target periods as the server has them (src/keyi/packages/sales/periods.py): a period is its
 * type and its first day; quarters and years follow the company's fiscal year start month, and a
 * fiscal year is named by the calendar year it starts in (April start: FY2026 = 2026-04-01 …
 * 2027-03-31). Dates are 'YYYY-MM-DD' strings, computed on month indexes, never through `Date`
 * (a time zone must not move a first of the month to the last day of the one before).
 */

export type PeriodType = 'month' | 'quarter' | 'year';
export const PERIOD_TYPES: PeriodType[] = ['month', 'quarter', 'year'];
const MONTHS: Record<PeriodType, number> = { month: 1, quarter: 3, year: 12 };

/** year × 12 + month − 1 of a 'YYYY-MM-DD' date. */
function monthIndex(day: string): number {
  const [y, m] = day.split('-').map(Number);
  return y * 12 + m - 1;
}

function fromIndex(index: number): string {
  const y = Math.floor(index / 12);
  const m = (index % 12) + 1;
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-01`;
}

/** The first day of the period of `type` that contains `day`. */
export function periodContaining(day: string, type: PeriodType, fiscalStart: number): string {
  const months = MONTHS[type];
  const start = type === 'month' ? 1 : fiscalStart;
  let index = monthIndex(day);
  index -= (((index - (start - 1)) % months) + months) % months;
  return fromIndex(index);
}

/** The fiscal year (named by the calendar year it starts in) that contains `day`. */
export function fiscalYearOf(day: string, fiscalStart: number): number {
  return Number(periodContaining(day, 'year', fiscalStart).slice(0, 4));
}

/** The first days of the periods of `type` in fiscal year `year`, in order. */
export function periodsOfYear(type: PeriodType, year: number, fiscalStart: number): string[] {
  const first = year * 12 + fiscalStart - 1;
  const step = MONTHS[type];
  const starts: string[] = [];
  for (let offset = 0; offset < 12; offset += step) starts.push(fromIndex(first + offset));
  return starts;
}

/** The last day of the period of `type` starting on `start`. */
export function periodEnd(start: string, type: PeriodType): string {
  const next = monthIndex(start) + MONTHS[type];
  const y = Math.floor(next / 12);
  const m = next % 12; // 0-based month of the next period
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate(); // day 0: the previous month's last
  const prev = fromIndex(next - 1);
  return `${prev.slice(0, 8)}${String(last).padStart(2, '0')}`;
}

/**
 * A short name: 2026-04, 2026-Q2, 2026; with a fiscal year other than the calendar year
 * FY2026-Q1 and FY2026 (the server names its targets the same way).
 */
export function periodLabel(start: string, type: PeriodType, fiscalStart: number): string {
  if (type === 'month') return start.slice(0, 7);
  const prefix = fiscalStart !== 1 ? 'FY' : '';
  const fy = periodContaining(start, 'year', fiscalStart);
  if (type === 'year') return `${prefix}${fy.slice(0, 4)}`;
  const quarter = Math.floor((monthIndex(start) - monthIndex(fy)) / 3) + 1;
  return `${prefix}${fy.slice(0, 4)}-Q${quarter}`;
}

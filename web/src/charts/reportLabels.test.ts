import { describe, expect, it } from 'vitest';
import { DEFAULT_FORMAT } from '../lib/format';
import { OBJECTS } from '../test/fixtures';
import { bucketLabel, fiscalPeriod, formatReportValue, makeKeyLabeller, measureLabel, valueKind } from './reportLabels';

describe('date buckets', () => {
  it('reads months, quarters and years as 2026-03, 2026 Q1 and 2026', () => {
    expect(bucketLabel('2026-03-01', 'month', 'en')).toBe('2026-03');
    expect(bucketLabel('2026-03-16', 'day', 'en')).toBe('2026-03-16');
    expect(bucketLabel('2026-01-01', 'quarter', 'en')).toBe('2026 Q1');
    expect(bucketLabel('2026-10-01', 'quarter', 'en')).toBe('2026 Q4');
    expect(bucketLabel('2026-01-01', 'year', 'en')).toBe('2026');
    expect(bucketLabel('2026-07-01', 'quarter', 'zh-CN')).toBe('2026年第3季度');
    expect(bucketLabel('2026-03-09', 'week', 'en')).toBe('Week of 2026-03-09');
  });

  it('names fiscal periods by the calendar year they start in (FY2026 starts in April 2026)', () => {
    expect(fiscalPeriod(2026, 4, 4)).toEqual({ year: 2026, quarter: 1 });
    expect(fiscalPeriod(2026, 3, 4)).toEqual({ year: 2025, quarter: 4 });
    expect(fiscalPeriod(2027, 1, 4)).toEqual({ year: 2026, quarter: 4 });
    expect(bucketLabel('2026-04-01', 'fiscal_quarter', 'en', 4)).toBe('FY2026 Q1');
    expect(bucketLabel('2027-01-01', 'fiscal_quarter', 'en', 4)).toBe('FY2026 Q4');
    expect(bucketLabel('2026-01-01', 'fiscal_quarter', 'en', 1)).toBe('FY2026 Q1');
    expect(bucketLabel('2026-04-01', 'fiscal_year', 'en', 4)).toBe('FY2026');
    expect(bucketLabel('2026-10-01', 'fiscal_quarter', 'zh-CN', 4)).toBe('2026财年第3季度');
  });
});

describe('group keys and values', () => {
  const fmt = { ...DEFAULT_FORMAT, locale: 'en-US' };
  const label = makeKeyLabeller({ lang: 'en', fmt, objects: OBJECTS, object: 'opportunity', fiscalStartMonth: 1, titles: new Map([['A1', 'Huawei']]) });

  it('labels picklists (also through a lookup path), references, booleans and empty keys', () => {
    expect(label({ key: 'stage', kind: 'row_group', type: 'picklist' }, 'won')).toBe('Closed won');
    expect(label({ key: 'account.industry', kind: 'row_group', type: 'picklist' }, 'it')).toBe('IT');
    expect(label({ key: 'account', kind: 'row_group', type: 'lookup', target: 'account' }, 'A1')).toBe('Huawei');
    expect(label({ key: 'account', kind: 'row_group', type: 'lookup', target: 'account' }, 'A2')).toBe('A2');
    expect(label({ key: 'is_key', kind: 'row_group', type: 'boolean' }, true)).toBe('Yes');
    expect(label({ key: 'stage', kind: 'row_group', type: 'picklist' }, null)).toBe('(empty)');
  });

  it('formats counts, money in the given currency, shares and averages', () => {
    const sum = { key: 'sum_amount', kind: 'aggregate' as const, op: 'sum' as const, field: 'amount', type: 'currency' };
    expect(valueKind(sum, 'sum_amount')).toBe('money');
    expect(valueKind(sum, 'percent_sum_amount')).toBe('percent');
    expect(valueKind({ key: 'count', kind: 'aggregate', op: 'count' }, 'count')).toBe('count');
    expect(formatReportValue('money', 1234.5, fmt, 'USD')).toBe('$1,234.50');
    expect(formatReportValue('count', 1234, fmt)).toBe('1,234');
    expect(formatReportValue('percent', 12.5, fmt)).toBe('12.5%');
    expect(formatReportValue('number', 2.3456, fmt)).toBe('2.35');
    expect(formatReportValue('money', null, fmt)).toBe('—');
    expect(measureLabel(sum, 'percent_sum_amount', 'en')).toBe('Sum of amount: % of total');
    expect(measureLabel({ key: 'count', kind: 'aggregate', op: 'count' }, 'count', 'zh-CN')).toBe('记录数');
  });
});

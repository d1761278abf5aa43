import { describe, expect, it } from 'vitest';
import { formatCompactCurrency, formatCompactNumber, formatCurrency, formatDate, formatDateTime, formatNumber, formatPercent, formatRelative, todayIn, type FormatSettings } from './format';
import { addDays, wallClockIn, zonedMidnightIso, zonedToUtcMs } from './tz';

const zh: FormatSettings = { lang: 'zh-CN', locale: 'zh-CN', currency: 'CNY', timeZone: 'Asia/Shanghai' };
const en: FormatSettings = { lang: 'en', locale: 'en-US', currency: 'USD', timeZone: 'America/New_York' };
const clean = (s: string) => s.replace(/\u202f|\u00a0/g, ' ');

describe('formatting', () => {
  it('formats money with the tenant currency and locale', () => {
    expect(formatCurrency(1234.5, zh)).toBe('¥1,234.50');
    expect(formatCurrency(1234.5, en)).toBe('$1,234.50');
    expect(formatCurrency(1234.5, zh, 'USD')).toBe('US$1,234.50');
    expect(formatCurrency(null, zh)).toBe('');
    expect(formatCurrency('abc', zh)).toBe('');
    expect(formatCurrency(10, zh, 'JPY', 0)).toBe('JP¥10');
  });
  it('formats numbers and percents', () => {
    expect(formatNumber(1234567.891, zh, 2)).toBe('1,234,567.89');
    expect(formatPercent(12.5, zh)).toBe('12.5%');
  });
  it('writes compact amounts in the units of the UI language, not of the tenant locale', () => {
    // a Chinese company (zh-CN numbers, CNY) read in English: K/M/B, never 万/亿
    const enOnZh: FormatSettings = { ...zh, lang: 'en' };
    expect(formatCompactCurrency(1_200_000, enOnZh)).toBe('CN¥1.2M');
    expect(formatCompactCurrency(3_400, enOnZh)).toBe('CN¥3.4K');
    expect(formatCompactNumber(2_500_000_000, enOnZh)).toBe('2.5B');
    // the same company read in Chinese: 万/亿
    expect(formatCompactCurrency(1_200_000, zh)).toBe('¥120万');
    expect(formatCompactNumber(250_000_000, zh)).toBe('2.5亿');
    // an English company read in Chinese
    expect(formatCompactCurrency(50_000, { ...en, lang: 'zh-CN' })).toBe('US$5万');
    expect(formatCompactNumber(null, zh)).toBe('');
  });
  it('never shifts calendar dates', () => {
    expect(formatDate('2024-01-01', { ...en, timeZone: 'Pacific/Honolulu' })).toBe('Jan 1, 2024');
    expect(formatDate('2024-01-01', zh)).toBe('2024年1月1日');
  });
  it('shows date-times in the tenant time zone', () => {
    expect(clean(formatDateTime('2024-05-01T02:30:00Z', zh))).toBe('2024年5月1日 10:30');
    expect(clean(formatDateTime('2024-05-01T02:30:00Z', en))).toBe('Apr 30, 2024, 22:30');
  });
  it('formats relative times', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    expect(formatRelative('2024-05-01T11:57:00Z', en, now)).toBe('3 minutes ago');
    expect(formatRelative('2024-05-01T11:57:00Z', zh, now)).toBe('3分钟前');
    expect(formatRelative('2024-04-29T12:00:00Z', en, now)).toBe('2 days ago');
  });
  it('knows today in a time zone', () => {
    const instant = new Date('2024-05-01T20:00:00Z');
    expect(todayIn('Asia/Shanghai', instant)).toBe('2024-05-02');
    expect(todayIn('America/New_York', instant)).toBe('2024-05-01');
  });
});

describe('time zones', () => {
  it('converts wall clocks and instants', () => {
    expect(wallClockIn(Date.parse('2024-05-01T02:30:00Z'), 'Asia/Shanghai')).toMatchObject({ year: 2024, month: 5, day: 1, hour: 10, minute: 30 });
    expect(new Date(zonedToUtcMs({ year: 2024, month: 5, day: 1, hour: 10, minute: 30 }, 'Asia/Shanghai')).toISOString()).toBe('2024-05-01T02:30:00.000Z');
    // across a DST change
    expect(zonedMidnightIso('2024-03-10', 'America/New_York')).toBe('2024-03-10T05:00:00.000Z');
    expect(zonedMidnightIso('2024-03-11', 'America/New_York')).toBe('2024-03-11T04:00:00.000Z');
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01');
  });
});

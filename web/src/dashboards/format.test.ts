import { describe, expect, it } from 'vitest';
import { translate, type MessageKey, type TParams } from '../i18n';
import '../i18n/dashboards';
import { DEFAULT_FORMAT } from '../lib/format';
import { opportunity } from '../test/fixtures';
import type { ResultColumn } from './api';
import { aggregateLabel, bucketLabel, formatValue, keyLabel, labelText, widgetTitle } from './format';
import { isKpiResult, targetPercent, trendOf } from './kpi';

const en = (key: MessageKey, params?: TParams) => translate('en', key, params);
const zh = (key: MessageKey, params?: TParams) => translate('zh-CN', key, params);
const fmt = { ...DEFAULT_FORMAT, locale: 'en-US', lang: 'en' };
const sum: ResultColumn = { key: 'sum_amount', kind: 'aggregate', op: 'sum', field: 'amount', field_label: 'Amount', type: 'currency' };
const count: ResultColumn = { key: 'count', kind: 'aggregate', op: 'count' };

describe('widget values', () => {
  it('money in the tenant currency, counts as integers, shares in percent', () => {
    expect(formatValue(1250000.5, sum, fmt)).toBe('CN¥1,250,000.50');
    expect(formatValue(1234, count, fmt)).toBe('1,234');
    expect(formatValue(12.5, sum, fmt, true)).toBe('12.5%');
    expect(formatValue(null, sum, fmt)).toBe('—');
  });
  it('labels aggregates and picks a name’s language', () => {
    expect(aggregateLabel(sum, en)).toBe('Sum of Amount');
    expect(aggregateLabel(sum, zh)).toBe('Amount合计');
    expect(aggregateLabel(count, zh)).toBe('记录数');
    expect(labelText({ en: 'Sales', 'zh-CN': '销售' }, 'zh-CN')).toBe('销售');
    expect(labelText({ '': 'Plain' }, 'en')).toBe('Plain');
    expect(labelText('Plain', 'en')).toBe('Plain');
  });
  it('shows group keys as option labels, periods and record titles', () => {
    const stage = opportunity.fields.find((f) => f.name === 'stage');
    const col: ResultColumn = { key: 'stage', kind: 'row_group', type: 'picklist' };
    expect(keyLabel(col, 'won', { lang: 'zh-CN', t: zh, field: stage })).toBe('赢单');
    expect(keyLabel(col, null, { lang: 'en', t: en, field: stage })).toBe('—');
    const owner: ResultColumn = { key: 'owner_id', kind: 'row_group', target: 'user' };
    expect(keyLabel(owner, 'u1', { lang: 'en', t: en, titles: new Map([['u1', 'Rep Li']]) })).toBe('Rep Li');
    expect(bucketLabel('2026-04-01', 'quarter')).toBe('2026 Q2');
    expect(bucketLabel('2026-04-01', 'month')).toBe('2026-04');
    expect(bucketLabel('2026-04-01', 'fiscal_year')).toBe('FY2026');
    expect(bucketLabel('2025-11-01', 'fiscal_quarter')).toBe('2025-11 – 2026-01');
  });
  it('titles a widget by its own title, its report, or what it measures', () => {
    expect(widgetTitle({ id: 'a', kind: 'report', x: 0, y: 0, w: 1, h: 1, title: 'Mine' }, undefined, 'en', en)).toBe('Mine');
    expect(widgetTitle({ id: 'a', kind: 'report', x: 0, y: 0, w: 1, h: 1 }, { id: 'a', kind: 'report', report: { id: 'r', name: { 'zh-CN': '漏斗' } } }, 'en', en)).toBe('漏斗');
    expect(widgetTitle({ id: 'a', kind: 'target', metric: 'won_amount', x: 0, y: 0, w: 1, h: 1 }, undefined, 'zh-CN', zh)).toBe('目标达成：赢单金额');
  });
});

describe('KPI arithmetic', () => {
  it('progress towards the target, none without a positive target', () => {
    expect(targetPercent(1250000.5, 1000000)).toBe(125);
    expect(targetPercent('300', '1000')).toBe(30);
    expect(targetPercent(5, 0)).toBeNull();
    expect(targetPercent(5, null)).toBeNull();
  });
  it('trend from the server’s percent, else from the two values', () => {
    expect(trendOf({ value: 10, previous: 8, trend_percent: 25 })).toEqual({ trend: 'up', percent: 25 });
    expect(trendOf({ value: 6, previous: 8, trend_percent: '-25.00' })).toEqual({ trend: 'down', percent: -25 });
    expect(trendOf({ value: 5, previous: 0, trend_percent: null })).toEqual({ trend: 'up', percent: null });
    expect(trendOf({ value: 5, previous: null, trend_percent: null })).toBeNull();
  });
  it('tells a KPI answer from a report result', () => {
    expect(isKpiResult({ value: 1, target: null, previous: null, trend_percent: null, column: null })).toBe(true);
    expect(isKpiResult({ type: 'summary', columns: [], totals: {}, value: 1 })).toBe(false);
  });
});

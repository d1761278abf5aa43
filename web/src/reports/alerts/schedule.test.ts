import { describe, expect, it } from 'vitest';
import '../../i18n/reports';
import { translate, type MessageKey, type TParams } from '../../i18n';
import { describeCondition } from './forms';
import { describeSchedule, parseCron, timeChoices, toCron } from './schedule';

const en = (key: MessageKey, params?: TParams) => translate('en', key, params);
const zh = (key: MessageKey, params?: TParams) => translate('zh-CN', key, params);

describe('schedules', () => {
  it('reads the crons the pickers can show and writes them back unchanged', () => {
    for (const cron of ['0 9 * * *', '30 7 * * 1-5', '0 8 * * 1', '15 18 * * 0', '0 8 1 * *', '0 6 28 * *']) {
      expect(toCron(parseCron(cron))).toBe(cron);
    }
    expect(parseCron('30 7 * * 1-5')).toMatchObject({ frequency: 'weekdays', time: '07:30' });
    expect(parseCron('0 8 * * 7')).toMatchObject({ frequency: 'weekly', weekday: 0 });
    expect(parseCron('0 8 15 * *')).toMatchObject({ frequency: 'monthly', monthday: 15, time: '08:00' });
  });

  it('keeps a cron the pickers cannot show as text', () => {
    for (const cron of ['0 9 * * 1,3', '*/15 * * * *', '0 9 1 1 *', '0 9 1 * 1', 'every day']) {
      const s = parseCron(cron);
      expect(s.frequency).toBe('custom');
      expect(toCron(s)).toBe(cron);
    }
  });

  it('builds a cron from the pickers', () => {
    const base = parseCron('0 9 * * *');
    expect(toCron({ ...base, frequency: 'weekly', weekday: 5, time: '17:30' })).toBe('30 17 * * 5');
    expect(toCron({ ...base, frequency: 'monthly', monthday: 3, time: '06:00' })).toBe('0 6 3 * *');
    expect(toCron({ ...base, frequency: 'custom', cron: ' 0 9 * * 1,3 ' })).toBe('0 9 * * 1,3');
  });

  it('offers every half hour and a stored time between them', () => {
    expect(timeChoices()).toHaveLength(48);
    expect(timeChoices('07:45')).toContain('07:45');
    expect(timeChoices('07:45').indexOf('07:45')).toBe(timeChoices('07:45').indexOf('07:30') + 1);
  });

  it('says when a schedule runs, in both languages', () => {
    expect(describeSchedule('0 8 * * 1', en)).toBe('Every Monday at 08:00');
    expect(describeSchedule('0 8 * * 1', zh)).toBe('每周一 08:00');
    expect(describeSchedule('30 7 * * 1-5', en)).toBe('Weekdays at 07:30');
    expect(describeSchedule('0 8 1 * *', en)).toBe('Monthly on day 1 at 08:00');
    expect(describeSchedule('0 9 * * 1,3', en)).toBe('Cron: 0 9 * * 1,3');
  });
});

describe('conditions as they read', () => {
  it('names the value, the comparison and the period', () => {
    expect(describeCondition({ value: 'count', op: 'gt', threshold: '10', scope: 'total' }, 'Record count', en)).toBe('Record count is above 10');
    expect(describeCondition({ value: 'count', op: 'gte', threshold: '2', scope: 'any_group' }, 'Record count', en)).toBe('In any group, Record count is at least 2');
    expect(describeCondition({ value: 'sum_amount', change: 'drop', percent: '20', period_days: 7 }, 'Sum of Amount', en)).toBe('Sum of Amount drops by 20% or more against 7 days before');
    expect(describeCondition({ value: 'sum_amount', change: 'rise', percent: '5', period_days: 1 }, '金额合计', zh)).toBe('金额合计较 1 天前上升 5% 或以上');
  });
});

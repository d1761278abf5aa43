import { describe, expect, it } from 'vitest';
import { translate, type MessageKey, type TParams } from '../i18n';
import '../i18n/dashboards';
import { makeOwner, ownerId, ownerKind, periodChoices, periodLabel, runFilters, sameFilters, storedFilters } from './filters';

const en = (key: MessageKey, params?: TParams) => translate('en', key, params);
const zh = (key: MessageKey, params?: TParams) => translate('zh-CN', key, params);

describe('period labels', () => {
  it('names core, fiscal and n-day periods in both languages; other literals as they are', () => {
    expect(periodLabel('this_quarter', en)).toBe('This quarter');
    expect(periodLabel('this_fiscal_year', en)).toBe('This fiscal year');
    expect(periodLabel('this_fiscal_year', zh)).toBe('本财年');
    expect(periodLabel('last_n_days:30', en)).toBe('Last 30 days');
    expect(periodLabel('next_n_weeks:2', en)).toBe('next_n_weeks:2');
  });
  it('offers the fiscal periods, and a stored literal that is not among them', () => {
    expect(periodChoices(null)).toContain('last_fiscal_quarter');
    expect(periodChoices('next_n_days:14').at(-1)).toBe('next_n_days:14');
    expect(periodChoices('this_month').filter((p) => p === 'this_month')).toHaveLength(1);
  });
});

describe('filters as sent and stored', () => {
  it('a run sends every key (null clears the default); a save stores only those set', () => {
    expect(runFilters({ period: 'this_month' })).toEqual({ period: 'this_month', owner: null, pipeline: null });
    expect(storedFilters({ period: null, owner: { department: 'd1' }, pipeline: '' })).toEqual({ owner: { department: 'd1' } });
    expect(sameFilters({ period: 'this_month' }, { period: 'this_month', owner: null })).toBe(true);
    expect(sameFilters({ period: 'this_month' }, { period: 'last_month' })).toBe(false);
  });
  it('owner is a user or a department', () => {
    expect(makeOwner('user', 'u1')).toEqual({ user: 'u1' });
    expect(makeOwner('department', null)).toBeNull();
    expect(ownerKind({ department: 'd1' })).toBe('department');
    expect(ownerId({ user: 'u1' })).toBe('u1');
    expect(ownerKind(null)).toBeNull();
  });
});

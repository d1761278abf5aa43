import { describe, expect, it } from 'vitest';
import en from './en';
import { translate } from './index';
import reportsEn from './reports-en';
import reportsZhCN from './reports-zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('reports catalogue (loaded with the reports screens)', () => {
  it('has the same keys, no empty message and matching placeholders in both languages', () => {
    expect(Object.keys(reportsZhCN).sort()).toEqual(Object.keys(reportsEn).sort());
    for (const [key, text] of Object.entries(reportsEn)) {
      const zh = (reportsZhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
  });

  it('is translated, shares no key with the app catalogue, and is registered by ./reports', async () => {
    const same = Object.entries(reportsZhCN).filter(([k, v]) => v === (reportsEn as Record<string, string>)[k] && /[a-z]{4,}/i.test(v.replace(/\{\w+\}/g, '')));
    expect(same).toEqual([]);
    expect(Object.keys(reportsEn).filter((k) => k in en)).toEqual([]);
    await import('./reports');
    expect(translate('zh-CN', 'reports.title')).toBe('报表');
    expect(translate('en', 'reports.bucket.fiscalQuarterOf', { year: 2026, quarter: 1 })).toBe('FY2026 Q1');
  });
});

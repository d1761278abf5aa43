import { describe, expect, it } from 'vitest';
import en from '../i18n/en';
import dashboardsEn from '../i18n/dashboards-en';
import dashboardsZhCN from '../i18n/dashboards-zh-CN';
import { translate, type MessageKey } from '../i18n';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dashboards catalogue (loaded with its pages)', () => {
  it('has the same keys, no empty message, matching placeholders, in both languages', () => {
    expect(Object.keys(dashboardsZhCN).sort()).toEqual(Object.keys(dashboardsEn).sort());
    for (const [key, text] of Object.entries(dashboardsEn)) {
      const zh = (dashboardsZhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
      expect(zh, `zh-CN ${key} is translated`).not.toBe(text);
    }
  });
  it('shares no key with the app catalogue and is registered by ./dashboards', async () => {
    expect(Object.keys(dashboardsEn).filter((k) => k in en)).toEqual([]);
    await import('../i18n/dashboards');
    expect(translate('zh-CN', 'dashboards.addWidget' as MessageKey)).toBe('添加组件');
  });
});

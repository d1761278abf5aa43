import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIELD_TYPES } from '../api/types';
import { RELATIVE_N, RELATIVE_PERIODS, type UiOp } from '../lib/filter';
import en from './en';
import { humanize, interpolate, MESSAGES, normaliseLang, pickLabel, translate } from './index';
import setupEn from './setup-en';
import l2cEn from './l2c-en';
import serviceCoreEn from './service-core-en';
import serviceCoreZhCN from './service-core-zh-CN';
import reportsEn from './reports-en';
import serviceKnowledgeEn from './service-knowledge-en';
import serviceKnowledgeZhCN from './service-knowledge-zh-CN';
import targetsEn from './targets-en';
import targetsZhCN from './targets-zh-CN';
import dashboardsEn from './dashboards-en';
import analyticsEn from './analytics-en';
import analyticsZhCN from './analytics-zh-CN';
import serviceCareEn from './service-care-en';
import serviceCareZhCN from './service-care-zh-CN';
import setupZhCN from './setup-zh-CN';
import serviceMailEn from './service-mail-en';
import serviceMailZhCN from './service-mail-zh-CN';
import zhCN from './zh-CN';
import serviceSlaEn from './service-sla-en';
import serviceSlaZhCN from './service-sla-zh-CN';
import portalEn from './portal-en';
import portalZhCN from './portal-zh-CN';
import marketingCampaignsEn from './marketing-campaigns-en';
import marketingCampaignsZhCN from './marketing-campaigns-zh-CN';
import marketingSegmentsEn from './marketing-segments-en';
import marketingSegmentsZhCN from './marketing-segments-zh-CN';
import marketingFormsEn from './marketing-forms-en';
import marketingFormsZhCN from './marketing-forms-zh-CN';
import smsEn from './sms-en';
import configPackagesEn from './config-packages-en';
import configPackagesZhCN from './config-packages-zh-CN';
import smsZhCN from './sms-zh-CN';
import marketingEmailEn from './marketing-email-en';
import marketingEmailZhCN from './marketing-email-zh-CN';
import importsEn from './imports-en';
import importsZhCN from './imports-zh-CN';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// The catalogues of a package's parts, each loaded with its own pages: one row each.
const partCatalogues: [string, Record<string, string>, Record<string, string>][] = [
  ['Service console', serviceCoreEn, serviceCoreZhCN],
  ['Email-to-case', serviceMailEn, serviceMailZhCN],
  ['Service care', serviceCareEn, serviceCareZhCN],
  ['Knowledge base', serviceKnowledgeEn, serviceKnowledgeZhCN],
  ['Service levels', serviceSlaEn, serviceSlaZhCN],
  ['Customer portal', portalEn, portalZhCN],
  ['Marketing campaigns', marketingCampaignsEn, marketingCampaignsZhCN],
  ['Segment builder', marketingSegmentsEn, marketingSegmentsZhCN],
  ['Web forms', marketingFormsEn, marketingFormsZhCN],
  ['SMS settings', smsEn, smsZhCN],
  ['Configuration packages', configPackagesEn, configPackagesZhCN],
  ['Email marketing', marketingEmailEn, marketingEmailZhCN],
  ['Import wizard', importsEn, importsZhCN],
];

for (const [name, partEn, partZhCN] of partCatalogues) {
  describe(`${name} catalogue (loaded with its pages)`, () => {
    it('has the same keys, no empty message, matching placeholders, in both languages', () => {
      expect(Object.keys(partZhCN).sort()).toEqual(Object.keys(partEn).sort());
      for (const [key, text] of Object.entries(partEn)) {
        const zh = partZhCN[key];
        expect(text.trim(), `en ${key}`).not.toBe('');
        expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
        expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
      }
    });
  });
}

describe('Setup catalogue (loaded with its pages)', () => {
  it('has the same keys, no empty message, matching placeholders, in both languages', () => {
    expect(Object.keys(setupZhCN).sort()).toEqual(Object.keys(setupEn).sort());
    for (const [key, text] of Object.entries(setupEn)) {
      const zh = (setupZhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
  });
  it('is registered by ./setup and shares no key with the app catalogue', async () => {
    const shared = Object.keys(setupEn).filter((k) => k in en);
    expect(shared).toEqual([]);
    await import('./setup');
    expect(translate('en', 'setup.jobs.title' as keyof typeof setupEn)).toBe(setupEn['setup.jobs.title' as keyof typeof setupEn]);
  });
});

describe('Service levels catalogue (loaded with its screens)', () => {
  it('has the same keys, no empty message, matching placeholders, in both languages', async () => {
    expect(Object.keys(serviceSlaZhCN).sort()).toEqual(Object.keys(serviceSlaEn).sort());
    for (const [key, text] of Object.entries(serviceSlaEn)) {
      const zh = (serviceSlaZhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
    expect(Object.keys(serviceSlaEn).filter((k) => k in en)).toEqual([]);
    await import('./service-sla');
    expect(translate('zh-CN', 'sla.title')).toBe('服务等级');
  });
});

describe('Targets catalogue (loaded with its screens)', () => {
  it('has the same keys, no empty message, matching placeholders, in both languages', async () => {
    expect(Object.keys(targetsZhCN).sort()).toEqual(Object.keys(targetsEn).sort());
    for (const [key, text] of Object.entries(targetsEn)) {
      const zh = (targetsZhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
    expect(Object.keys(targetsEn).filter((k) => k in en)).toEqual([]);
    await import('./targets');
    expect(translate('zh-CN', 'targets.title')).toBe('销售目标');
  });
});

describe('Knowledge base catalogue (loaded with its screens)', () => {
  it('has the same keys and placeholders in both languages, none shared with the app', async () => {
    expect(Object.keys(serviceKnowledgeZhCN).sort()).toEqual(Object.keys(serviceKnowledgeEn).sort());
    for (const [key, text] of Object.entries(serviceKnowledgeEn)) {
      const zh = (serviceKnowledgeZhCN as Record<string, string>)[key];
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
    expect(Object.keys(serviceKnowledgeEn).filter((k) => k in en)).toEqual([]);
    await import('./service-knowledge');
    expect(translate('zh-CN', 'knowledge.title')).toBe('知识库');
  });
});

describe('Sales analytics catalogue (loaded with its pages)', () => {
  it('has the same keys and placeholders in both languages, none shared with the app', () => {
    expect(Object.keys(analyticsZhCN).sort()).toEqual(Object.keys(analyticsEn).sort());
    for (const [key, text] of Object.entries(analyticsEn)) {
      const zh = (analyticsZhCN as Record<string, string>)[key];
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
    expect(Object.keys(analyticsEn).filter((k) => k in en)).toEqual([]);
  });
});

describe('Service care catalogue (survey page, technician day)', () => {
  it('has the same keys and placeholders in both languages, none shared with the app', async () => {
    expect(Object.keys(serviceCareZhCN).sort()).toEqual(Object.keys(serviceCareEn).sort());
    for (const [key, text] of Object.entries(serviceCareEn)) {
      const zh = (serviceCareZhCN as Record<string, string>)[key];
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
    expect(Object.keys(serviceCareEn).filter((k) => k in en)).toEqual([]);
    await import('./service-care');
    expect(translate('zh-CN', 'care.survey.thanks')).toBe('感谢您的反馈！');
  });
});

describe('i18n completeness', () => {
  it('zh-CN and en have exactly the same keys', () => {
    const a = Object.keys(en).sort();
    const b = Object.keys(zhCN).sort();
    expect(b.filter((k) => !a.includes(k))).toEqual([]);
    expect(a.filter((k) => !b.includes(k))).toEqual([]);
  });
  it('no message is empty and placeholders match', () => {
    for (const [key, text] of Object.entries(en)) {
      const zh = (zhCN as Record<string, string>)[key];
      expect(text.trim(), `en ${key}`).not.toBe('');
      expect(zh.trim(), `zh-CN ${key}`).not.toBe('');
      expect(placeholders(zh), `placeholders of ${key}`).toEqual(placeholders(text));
    }
  });
  it('zh-CN is actually translated (mostly CJK)', () => {
    const untranslated = Object.entries(zhCN).filter(([k, v]) => v === (en as Record<string, string>)[k] && /[a-z]{4,}/i.test(v.replace(/\{\w+\}/g, '')));
    // only the language names and the app tag may be identical
    expect(untranslated.map(([k]) => k)).toEqual(['lang.en']);
  });
  it('every filter operator and relative period has a label', () => {
    const ops: UiOp[] = [
      'eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'in', 'not_in', 'contains', 'not_contains', 'starts_with', 'includes',
      'is_empty', 'is_not_empty', 'is_true', 'is_false', 'on', 'before', 'after', 'on_or_before', 'on_or_after', 'within',
    ];
    for (const lang of ['en', 'zh-CN'] as const) {
      for (const op of ops) expect(MESSAGES[lang][`op.${op}` as keyof typeof en], op).toBeTruthy();
      for (const r of [...RELATIVE_PERIODS, ...RELATIVE_N]) expect(MESSAGES[lang][`rel.${r}` as keyof typeof en], r).toBeTruthy();
    }
    expect(FIELD_TYPES.length).toBe(20);
  });
  it('every t() key used in the source exists', () => {
    const root = join(__dirname, '..');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.tsx?$/.test(name) && !/\.test\./.test(name)) files.push(p);
      }
    };
    walk(root);
    const missing: string[] = [];
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(/\bt\(\s*'([a-zA-Z0-9_.-]+)'/g)) if (![en, setupEn, l2cEn, targetsEn, dashboardsEn, analyticsEn, reportsEn, ...partCatalogues.map((c) => c[1])].some((c) => m[1] in c)) missing.push(`${f}: ${m[1]}`);
    }
    expect(missing).toEqual([]);
  });
});

describe('i18n helpers', () => {
  it('interpolates', () => {
    expect(interpolate('Hello {name}, {n}', { name: '张伟', n: 3 })).toBe('Hello 张伟, 3');
    expect(interpolate('{missing}', {})).toBe('{missing}');
    expect(translate('zh-CN', 'common.records', { count: 5 })).toBe('5 条记录');
    expect(translate('en', 'common.records', { count: 5 })).toBe('5 records');
  });
  it('picks labels with fallbacks', () => {
    expect(pickLabel({ en: 'Account', 'zh-CN': '客户' }, 'zh-CN')).toBe('客户');
    expect(pickLabel({ en: 'Account', 'zh-CN': '客户' }, 'en')).toBe('Account');
    expect(pickLabel({ 'zh-CN': '客户' }, 'en')).toBe('客户');
    expect(pickLabel(null, 'en', 'serial_no')).toBe('Serial no');
    expect(humanize('annual_revenue')).toBe('Annual revenue');
  });
  it('normalises language tags', () => {
    expect(normaliseLang('zh')).toBe('zh-CN');
    expect(normaliseLang('zh-Hans-CN')).toBe('zh-CN');
    expect(normaliseLang('en-GB')).toBe('en');
    expect(normaliseLang('fr')).toBeNull();
  });
});

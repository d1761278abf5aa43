import { describe, expect, it } from 'vitest';
import setupEn from '../../i18n/setup-en';
import type { MessageKey } from '../../i18n';
import type { RobotChannel } from './api';
import { failureText, lastResult, robotErrorTarget, robotPayload, robotToForm, testOutcome, VENDOR_INFO, VENDORS } from './robots';

const t = (key: MessageKey) => (setupEn as Record<string, string>)[key] ?? key;

const STORED: RobotChannel = {
  id: 'c1',
  name: '销售群',
  vendor: 'dingtalk',
  url_hint: 'oapi.dingtalk.com/…a1b2',
  has_secret: true,
  markdown: true,
  active: true,
  created_by: null,
  created_at: '2030-01-01T00:00:00Z',
  updated_by: null,
  updated_at: '2030-01-01T00:00:00Z',
  last_status: null,
  last_error: null,
  last_at: null,
};

describe('robot channel form', () => {
  it('starts a new channel empty and an edit without its URL or secret (never sent to the browser)', () => {
    expect(robotToForm(null)).toEqual({ name: '', vendor: 'wecom', url: '', secret: '', clear_secret: false, markdown: true, active: true });
    expect(robotToForm(STORED)).toEqual({ name: '销售群', vendor: 'dingtalk', url: '', secret: '', clear_secret: false, markdown: true, active: true });
  });

  it('creates with the URL and secret as typed, trimmed; WeCom gets no secret', () => {
    const form = { ...robotToForm(null), name: ' 销售群 ', vendor: 'dingtalk' as const, url: ' https://oapi.dingtalk.com/robot/send?access_token=x ', secret: ' SECabc ' };
    expect(robotPayload(form)).toEqual({ name: '销售群', vendor: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=x', secret: 'SECabc', markdown: true, active: true });
    expect(robotPayload({ ...form, secret: '' })).not.toHaveProperty('secret');
    expect(robotPayload({ ...form, vendor: 'wecom' })).not.toHaveProperty('secret');
  });

  it('edits keep the stored URL and secret unless typed, and remove the secret only when asked', () => {
    const form = robotToForm(STORED);
    expect(robotPayload({ ...form, name: '华东群' }, STORED)).toEqual({ name: '华东群', vendor: 'dingtalk', markdown: true, active: true });
    expect(robotPayload({ ...form, url: 'https://oapi.dingtalk.com/robot/send?access_token=y' }, STORED)).toMatchObject({ url: 'https://oapi.dingtalk.com/robot/send?access_token=y' });
    expect(robotPayload({ ...form, clear_secret: true }, STORED)).toMatchObject({ secret: null });
    expect(robotPayload({ ...form, secret: 'SECnew', clear_secret: true }, STORED)).toMatchObject({ secret: 'SECnew' });
    expect(robotPayload({ ...form, vendor: 'wecom', clear_secret: true }, STORED)).not.toHaveProperty('secret');
  });

  it('shows API errors on their inputs', () => {
    for (const key of ['name', 'vendor', 'url', 'secret', 'markdown', 'active'] as const) expect(robotErrorTarget(key)).toBe(key);
    expect(robotErrorTarget('body')).toBeNull();
    expect(robotErrorTarget(undefined)).toBeNull();
  });

  it('knows which vendors sign and what their URLs look like', () => {
    expect(VENDORS.filter((v) => VENDOR_INFO[v].signs)).toEqual(['dingtalk', 'feishu']);
    expect(VENDOR_INFO.wecom.url).toContain('qyapi.weixin.qq.com');
    expect(VENDOR_INFO.feishu.url).toContain('open.feishu.cn/open-apis/bot/v2/hook/');
  });
});

describe('robot outcomes', () => {
  it('reads the last result', () => {
    expect(lastResult(STORED)).toBe('never');
    expect(lastResult({ last_status: 'ok' })).toBe('ok');
    expect(lastResult({ last_status: 'failed' })).toBe('failed');
  });

  it('explains a refusal before sending and points at what to check for known vendor codes', () => {
    expect(failureText('url_private_address', t)).toEqual({ error: setupEn['setup.robots.refusal.url_private_address'], hint: null });
    expect(failureText('dingtalk error 310000: sign not match', t)).toEqual({ error: 'dingtalk error 310000: sign not match', hint: setupEn['setup.robots.hint.security'] });
    expect(failureText('feishu error 19021: sign match fail', t).hint).toBe(setupEn['setup.robots.hint.signature']);
    expect(failureText('wecom error 93000: invalid webhook url', t).hint).toBe(setupEn['setup.robots.hint.url']);
    expect(failureText('wecom error 45009: api freq out of limit', t).hint).toBe(setupEn['setup.robots.hint.rate']);
    expect(failureText('HTTP 302: the robot URL redirects (not followed)', t).hint).toBe(setupEn['setup.robots.hint.url']);
    expect(failureText('HTTP 502', t)).toEqual({ error: 'HTTP 502', hint: null });
    expect(testOutcome({ ok: true, error: null }, t)).toEqual({ ok: true, error: '', hint: null });
    expect(testOutcome({ ok: false, error: 'feishu error 19024: Key Words Not Found' }, t)).toEqual({
      ok: false,
      error: 'feishu error 19024: Key Words Not Found',
      hint: setupEn['setup.robots.hint.keyword'],
    });
  });
});

/**
 * Setup › Robot channels as plain data: the vendors and what each needs, the create/edit
 * form's body, where an API error is shown, and how a channel's last result and a test
 * message's outcome read.
 *
 * The URL and the secret are write-only: the server never returns them (only `url_hint`, the
 * host and the URL's last four characters, and `has_secret`). So an edit starts with both
 * inputs empty, and an empty input means "keep the stored one"; the secret is removed only by
 * ticking "remove". Pure functions, tested without rendering the page.
 */
import type { MessageKey } from '../../i18n';
import type { RobotChannel, RobotTestResult } from './api';

export type Vendor = RobotChannel['vendor'];
export const VENDORS: Vendor[] = ['wecom', 'dingtalk', 'feishu'];

/** What an administrator pastes for each vendor, as a placeholder, and whether it signs. */
export const VENDOR_INFO: Record<Vendor, { url: string; signs: boolean; secret?: string }> = {
  wecom: { url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…', signs: false },
  dingtalk: { url: 'https://oapi.dingtalk.com/robot/send?access_token=…', signs: true, secret: 'SEC…' },
  feishu: { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/…', signs: true },
};

export interface RobotForm {
  name: string;
  vendor: Vendor;
  /** Empty when editing: keep the stored URL. */
  url: string;
  /** Empty when editing: keep the stored secret (unless `clear_secret`). */
  secret: string;
  clear_secret: boolean;
  markdown: boolean;
  active: boolean;
}

export function robotToForm(c: RobotChannel | null): RobotForm {
  if (!c) return { name: '', vendor: 'wecom', url: '', secret: '', clear_secret: false, markdown: true, active: true };
  return { name: c.name, vendor: c.vendor, url: '', secret: '', clear_secret: false, markdown: c.markdown, active: c.active };
}

/**
 * The body of POST /robot-channels (no `existing`) or PATCH /robot-channels/{id}: the URL and
 * the secret only when typed (trimmed), `secret: null` to remove it; a vendor that does not
 * sign (WeCom) gets no secret at all (the server drops a stored one).
 */
export function robotPayload(v: RobotForm, existing?: RobotChannel | null): Record<string, unknown> {
  const body: Record<string, unknown> = { name: v.name.trim(), vendor: v.vendor, markdown: v.markdown, active: v.active };
  const url = (v.url ?? '').trim();
  const secret = (v.secret ?? '').trim();
  if (url || !existing) body.url = url;
  if (VENDOR_INFO[v.vendor].signs) {
    if (secret) body.secret = secret;
    else if (existing && v.clear_secret) body.secret = null;
  }
  return body;
}

/** Which input shows an API error about a body key (null: only the alert above the form). */
export function robotErrorTarget(key: string | null | undefined): keyof RobotForm | null {
  const head = (key ?? '').split('.')[0];
  return head === 'name' || head === 'vendor' || head === 'url' || head === 'secret' || head === 'markdown' || head === 'active' ? head : null;
}

export type LastResult = 'ok' | 'failed' | 'never';

export function lastResult(c: Pick<RobotChannel, 'last_status'>): LastResult {
  return c.last_status === 'ok' ? 'ok' : c.last_status === 'failed' ? 'failed' : 'never';
}

export const RESULT_COLORS: Record<LastResult, string> = { ok: 'green', failed: 'red', never: 'default' };

/** Why nothing was sent, for the codes the server uses instead of a vendor's answer. */
const REFUSALS: Record<string, MessageKey> = {
  url_private_address: 'setup.robots.refusal.url_private_address',
  url_unresolvable: 'setup.robots.refusal.url_unresolvable',
  secret_unreadable: 'setup.robots.refusal.secret_unreadable',
};

/** What to check for a vendor's error codes (the robot's own answer: "dingtalk error 310000: …"). */
const VENDOR_HINTS: Record<string, MessageKey> = {
  'wecom:93000': 'setup.robots.hint.url',
  'wecom:45009': 'setup.robots.hint.rate',
  'dingtalk:300001': 'setup.robots.hint.url',
  'dingtalk:310000': 'setup.robots.hint.security',
  'dingtalk:130101': 'setup.robots.hint.rate',
  'feishu:19001': 'setup.robots.hint.url',
  'feishu:19021': 'setup.robots.hint.signature',
  'feishu:19022': 'setup.robots.hint.ip',
  'feishu:19024': 'setup.robots.hint.keyword',
  'feishu:11232': 'setup.robots.hint.rate',
};

/**
 * A failed send explained: the server's refusal in words when it sent nothing, else the
 * vendor's answer as it came, with what to check when its code is a known one.
 */
export function failureText(error: string | null | undefined, t: (key: MessageKey) => string): { error: string; hint: string | null } {
  const text = error ?? '';
  const refusal = REFUSALS[text];
  if (refusal) return { error: t(refusal), hint: null };
  const code = /^(wecom|dingtalk|feishu) error (\d+)/.exec(text);
  const hint = code ? VENDOR_HINTS[`${code[1]}:${code[2]}`] : undefined;
  if (hint) return { error: text, hint: t(hint) };
  if (/^HTTP (3\d\d)/.test(text)) return { error: text, hint: t('setup.robots.hint.url') };
  return { error: text, hint: null };
}

/** A test's outcome, for the result dialog. */
export function testOutcome(r: Pick<RobotTestResult, 'ok' | 'error'>, t: (key: MessageKey) => string): { ok: boolean; error: string; hint: string | null } {
  if (r.ok) return { ok: true, error: '', hint: null };
  return { ok: false, ...failureText(r.error, t) };
}

/**
 * Setup › SMS: the settings as the API answers them, the requests, and the pure helpers the
 * page uses (form ↔ payload, test parameters), kept apart so they are tested without a DOM.
 */
import { request } from '../../api/client';
import type { paths } from '../../api/schema.gen';

type Answer<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer A } } };
}
  ? A
  : never;

/** The settings: never the key secret (``has_secret`` says whether one is kept). */
export type SmsSettings = Answer<'/api/v1/sms/settings', 'get'>;
export type SmsTestResult = Answer<'/api/v1/sms/test', 'post'>;
export type SmsProvider = SmsSettings['provider'];
export const PROVIDERS: SmsProvider[] = ['log', 'aliyun', 'tencent'];

export const smsApi = {
  settings() {
    return request<SmsSettings>('/api/v1/sms/settings');
  },
  /** Absent keys keep their value; an absent secret keeps the stored one. */
  update(body: Record<string, unknown>) {
    return request<SmsSettings>('/api/v1/sms/settings', { method: 'PUT', body });
  },
  test(body: Record<string, unknown>) {
    return request<SmsTestResult>('/api/v1/sms/test', { method: 'POST', body });
  },
};

export interface SmsForm {
  provider: SmsProvider;
  access_key_id: string;
  access_key_secret: string;
  sdk_app_id: string;
  sign_name: string;
  region: string;
  base_url: string;
  opt_out_keywords: string[];
  rate_per_minute: number;
}

export function settingsToForm(s: SmsSettings): SmsForm {
  return {
    provider: s.provider,
    access_key_id: s.access_key_id ?? '',
    access_key_secret: '',
    sdk_app_id: s.sdk_app_id ?? '',
    sign_name: s.sign_name ?? '',
    region: s.region ?? '',
    base_url: s.base_url ?? '',
    opt_out_keywords: [...s.opt_out_keywords],
    rate_per_minute: s.rate_per_minute,
  };
}

/** What Save sends: the secret only when one was typed (write-only: empty keeps the stored
 * one); the vendor's fields only for a vendor; empty texts as null. */
export function settingsPayload(f: SmsForm): Record<string, unknown> {
  const text = (v: string) => (v.trim() ? v.trim() : null);
  const body: Record<string, unknown> = {
    provider: f.provider,
    opt_out_keywords: f.opt_out_keywords.map((k) => k.trim()).filter(Boolean),
    rate_per_minute: f.rate_per_minute,
  };
  if (f.provider === 'log') return body;
  Object.assign(body, {
    access_key_id: text(f.access_key_id),
    sign_name: text(f.sign_name),
    region: text(f.region),
    base_url: text(f.base_url),
  });
  if (f.provider === 'tencent') body.sdk_app_id = text(f.sdk_app_id);
  if (f.access_key_secret.trim()) body.access_key_secret = f.access_key_secret.trim();
  return body;
}

/** "name=value" lines as the test's parameters, in their order; null when a line is not one. */
export function parseParams(text: string): Record<string, string> | null {
  const params: Record<string, string> = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at <= 0) return null;
    params[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return params;
}

/** The full callback URL of a path the API answers (relative to this server). */
export function callbackUrl(path: string, origin: string): string {
  return origin.replace(/\/$/, '') + path;
}

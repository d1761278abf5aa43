import { describe, expect, it } from 'vitest';
import type { SsoProvider } from './api';
import { PROVIDER_NAME_RE, providerErrorTarget, providerPayload, providerToForm, suggestProviderName } from './sso';

const STORED: SsoProvider = {
  id: 'p1',
  name: 'acme',
  issuer: 'https://login.acme.cn/realms/acme',
  client_id: 'keyi',
  has_client_secret: true,
  scopes: ['openid', 'email', 'profile'],
  labels: { en: 'Acme ID', 'zh-CN': 'Acme 账号' },
  provision_users: false,
  default_role: null,
  enabled: true,
  trust_email: false,
  created_at: '2030-01-01T00:00:00Z',
  updated_at: '2030-01-01T00:00:00Z',
};

describe('single sign-on provider form', () => {
  it('creates a provider with its name, trimmed values, the secret and the default scopes', () => {
    const form = { ...providerToForm(null), name: 'acme', label_en: ' Acme ID ', issuer: ' https://login.acme.cn/realms/acme ', client_id: ' keyi ', client_secret: ' s3cret ' };
    expect(providerPayload(form, null)).toEqual({
      name: 'acme',
      labels: { en: 'Acme ID' },
      issuer: 'https://login.acme.cn/realms/acme',
      client_id: 'keyi',
      client_secret: ' s3cret ', // secrets are sent exactly as typed
      scopes: ['openid', 'email', 'profile'],
      enabled: true,
      provision_users: false,
      default_role: null,
      trust_email: false, // strict unless an administrator says otherwise
    });
  });

  it('keeps and sends the trust-email setting', () => {
    const form = providerToForm({ ...STORED, trust_email: true });
    expect(form.trust_email).toBe(true);
    expect(providerPayload(form, STORED).trust_email).toBe(true);
    expect(providerPayload({ ...form, trust_email: false }, STORED).trust_email).toBe(false);
    expect(providerErrorTarget('trust_email')).toBe('trust_email');
  });

  it('never starts with the secret, and a blank secret keeps the stored one', () => {
    const form = providerToForm(STORED);
    expect(form.client_secret).toBe('');
    const body = providerPayload({ ...form, client_id: 'keyi-2' }, STORED);
    expect(body).not.toHaveProperty('client_secret');
    expect(body).not.toHaveProperty('name'); // the name is in sign-in links: never changed
    expect(body.client_id).toBe('keyi-2');
  });

  it('replaces the secret when one is typed and removes it only on request', () => {
    const form = providerToForm(STORED);
    expect(providerPayload({ ...form, client_secret: 'new' }, STORED).client_secret).toBe('new');
    expect(providerPayload({ ...form, client_secret: 'ignored', clear_secret: true }, STORED).client_secret).toBeNull();
  });

  it('sends scopes once each and the role for provisioning', () => {
    const body = providerPayload({ ...providerToForm(STORED), scopes: ['openid', ' groups ', 'groups', ''], provision_users: true, default_role: 'r1' }, STORED);
    expect(body.scopes).toEqual(['openid', 'groups']);
    expect(body.provision_users).toBe(true);
    expect(body.default_role).toBe('r1');
  });

  it('suggests a valid API name from the button label', () => {
    expect(suggestProviderName('Acme ID (Okta)')).toBe('acme-id-okta');
    expect(suggestProviderName('企业微信')).toBe('');
    expect(suggestProviderName('365 Login')).toBe('sso-365-login');
    for (const label of ['Acme ID (Okta)', '365 Login', 'x'.repeat(80)]) expect(PROVIDER_NAME_RE.test(suggestProviderName(label))).toBe(true);
  });

  it('puts the API’s errors on their inputs', () => {
    expect(providerErrorTarget('issuer')).toBe('issuer');
    expect(providerErrorTarget('labels')).toBe('label_en');
    expect(providerErrorTarget('default_role')).toBe('default_role');
    expect(providerErrorTarget('body')).toBeNull();
  });
});

/**
 * The single sign-on provider form as plain data. The client secret is write-only: the API
 * only says whether one is stored, so the form starts it empty and an empty input means
 * "keep the stored one" — only an explicit "remove" clears it.
 */
import { labelsOf } from './fieldForm';
import type { SsoProvider } from './api';

export const DEFAULT_SCOPES = ['openid', 'email', 'profile'];

export interface SsoProviderForm {
  name: string;
  label_en?: string;
  label_zh?: string;
  issuer: string;
  client_id: string;
  /** A new secret; empty keeps the stored one. */
  client_secret?: string;
  /** Remove the stored secret (a public client). */
  clear_secret?: boolean;
  scopes: string[];
  enabled: boolean;
  provision_users: boolean;
  default_role?: string | null;
  /** Take the provider's email as verified without `email_verified` (its own IdP only). */
  trust_email: boolean;
}

/** Provider API names: lower-case letters, digits, '_' and '-', starting with a letter. */
export const PROVIDER_NAME_RE = /^[a-z][a-z0-9_-]{0,47}$/;

/** Suggest a provider's API name from its button label: "Acme ID (Okta)" → "acme-id-okta". */
export function suggestProviderName(label: string): string {
  const base = label
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  if (!base) return '';
  return /^[a-z]/.test(base) ? base : `sso-${base}`.slice(0, 48);
}

export function providerToForm(p: SsoProvider | null): SsoProviderForm {
  if (!p) return { name: '', label_en: '', label_zh: '', issuer: '', client_id: '', client_secret: '', clear_secret: false, scopes: [...DEFAULT_SCOPES], enabled: true, provision_users: false, default_role: null, trust_email: false };
  return {
    name: p.name,
    label_en: p.labels.en ?? '',
    label_zh: p.labels['zh-CN'] ?? '',
    issuer: p.issuer,
    client_id: p.client_id,
    client_secret: '',
    clear_secret: false,
    scopes: [...p.scopes],
    enabled: p.enabled,
    provision_users: p.provision_users,
    default_role: p.default_role,
    trust_email: !!p.trust_email,
  };
}

function trim(v: string | null | undefined): string {
  return typeof v === 'string' ? v.trim() : '';
}

/**
 * The body for POST (no `current`) or PATCH. The name only on creation (it is in sign-in links
 * and never changes); the secret only when typed, or null when removing it; the default role
 * only matters for provisioning but is sent either way so it can be cleared.
 */
export function providerPayload(v: SsoProviderForm, current: SsoProvider | null): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (!current) body.name = trim(v.name);
  const labels = labelsOf(v.label_en, v.label_zh);
  if (Object.keys(labels).length) body.labels = labels;
  body.issuer = trim(v.issuer);
  body.client_id = trim(v.client_id);
  const secret = v.client_secret ?? '';
  if (current && v.clear_secret) body.client_secret = null;
  else if (secret !== '') body.client_secret = secret;
  body.scopes = [...new Set((v.scopes ?? []).map((s) => s.trim()).filter(Boolean))];
  body.enabled = !!v.enabled;
  body.provision_users = !!v.provision_users;
  body.default_role = v.default_role || null;
  body.trust_email = !!v.trust_email;
  return body;
}

/** Which input shows an API error about a body key. */
export function providerErrorTarget(key: string | null | undefined): keyof SsoProviderForm | null {
  const head = (key ?? '').split('.')[0];
  if (head === 'labels') return 'label_en';
  const known: (keyof SsoProviderForm)[] = ['name', 'issuer', 'client_id', 'client_secret', 'scopes', 'enabled', 'provision_users', 'default_role', 'trust_email'];
  return (known as string[]).includes(head) ? (head as keyof SsoProviderForm) : null;
}

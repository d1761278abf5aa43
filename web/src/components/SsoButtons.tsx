/**
 * Single sign-on buttons for the login page.
 *
 * The buttons are plain links to the server's start URL: the sign-in is a chain of full-page
 * redirects (Keyi → identity provider → Keyi callback → the app), never a fetch. Which company's
 * buttons to show comes from `?tenant=` on the login page, else the last company signed in to
 * in this browser, else the server's only company (it decides).
 */
import { KeyOutlined } from '@ant-design/icons';
import { Button, Divider } from 'antd';
import { useEffect, useState } from 'react';
import { qs, request } from '../api/client';
import type { Labels } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';

export const TENANT_STORAGE_KEY = 'keyi.tenant';

export interface SsoProviderButton {
  name: string;
  labels: Labels;
  start_url: string;
}

interface SsoButtonsAnswer {
  tenant: string | null;
  providers: SsoProviderButton[];
}

/** Codes the server puts in `/login?sso_error=`; anything else gets the generic message. */
export const SSO_ERROR_CODES = [
  'denied',
  'provider_error',
  'bad_state',
  'expired',
  'provider_unavailable',
  'provider_unreachable',
  'token_exchange_failed',
  'invalid_token',
  'email_unverified',
  'unknown_user',
  'inactive',
  'provisioning_failed',
  'rate_limited',
  'invitation_expired',
] as const;

export function ssoErrorKey(code: string | null): MessageKey | null {
  if (!code) return null;
  return (SSO_ERROR_CODES as readonly string[]).includes(code) ? (`sso.error.${code}` as MessageKey) : 'sso.error.generic';
}

export function rememberTenant(name: string | null | undefined): void {
  if (!name) return;
  try {
    localStorage.setItem(TENANT_STORAGE_KEY, name);
  } catch {
    /* storage unavailable */
  }
}

function rememberedTenant(): string | null {
  try {
    return localStorage.getItem(TENANT_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** The start link, carrying where to land afterwards (the server accepts only app paths). */
export function startHref(button: SsoProviderButton, next: string): string {
  return next && next !== '/' ? `${button.start_url}${qs({ next })}` : button.start_url;
}

export default function SsoButtons({ tenant, next }: { tenant: string | null; next: string }) {
  const { t, label } = useI18n();
  const [buttons, setButtons] = useState<SsoProviderButton[]>([]);

  useEffect(() => {
    const chosen = tenant || rememberedTenant();
    if (tenant) rememberTenant(tenant);
    const ctrl = new AbortController();
    request<SsoButtonsAnswer>(`/api/v1/auth/sso/providers${qs({ tenant: chosen })}`, {
      signal: ctrl.signal,
      skipAuthRedirect: true,
    })
      .then((answer) => setButtons(Array.isArray(answer?.providers) ? answer.providers : []))
      .catch(() => setButtons([])); // without buttons the password form still works
    return () => ctrl.abort();
  }, [tenant]);

  if (!buttons.length) return null;
  return (
    <div data-testid="sso-buttons">
      <Divider plain>{t('sso.or')}</Divider>
      {buttons.map((b) => (
        <Button key={b.name} block size="large" icon={<KeyOutlined />} href={startHref(b, next)} className="ky-mb">
          {t('sso.continueWith', { provider: label(b.labels, b.name) })}
        </Button>
      ))}
    </div>
  );
}

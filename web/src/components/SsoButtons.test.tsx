import { screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Lang } from '../api/types';
import LoginPage from '../pages/LoginPage';
import { json, renderRoutes, SIGNED_OUT } from '../test/session';
import { ssoErrorKey, startHref } from './SsoButtons';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

function renderLogin(url: string, lang: Lang, providerUrls: string[]) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string) => {
      if (input === '/api/v1/me') return SIGNED_OUT();
      if (input.startsWith('/api/v1/auth/sso/providers')) {
        providerUrls.push(input);
        return json(200, {
          tenant: 'acme',
          providers: [{ name: 'corp', labels: { en: 'Corporate account', 'zh-CN': '企业账号' }, start_url: '/api/v1/auth/sso/acme/corp/start' }],
        });
      }
      throw new Error('unexpected ' + input);
    }),
  );
  renderRoutes(url, { '/login': <LoginPage /> }, lang);
}

describe('single sign-on on the login page', () => {
  it("shows the company's provider buttons and the translated error of a failed attempt", async () => {
    const asked: string[] = [];
    renderLogin('/login?tenant=acme&sso_error=unknown_user&next=/o/account', 'en', asked);
    expect(await screen.findByText('No Keyi user matches this account. Ask your administrator to invite you.')).toBeTruthy();
    const button = await screen.findByText('Sign in with Corporate account');
    expect(button.closest('a')?.getAttribute('href')).toBe('/api/v1/auth/sso/acme/corp/start?next=%2Fo%2Faccount');
    expect(asked).toEqual(['/api/v1/auth/sso/providers?tenant=acme']);
    expect(localStorage.getItem('keyi.tenant')).toBe('acme');
  });

  it('speaks Chinese and remembers the last company', async () => {
    localStorage.setItem('keyi.tenant', 'acme');
    const asked: string[] = [];
    renderLogin('/login?sso_error=something_new', 'zh-CN', asked);
    expect(await screen.findByText('使用企业账号登录')).toBeTruthy();
    expect(screen.getByText('单点登录失败，请重试。')).toBeTruthy();
    expect(asked).toEqual(['/api/v1/auth/sso/providers?tenant=acme']);
  });

  it('maps codes to messages and keeps the landing path', () => {
    expect(ssoErrorKey(null)).toBeNull();
    expect(ssoErrorKey('inactive')).toBe('sso.error.inactive');
    expect(ssoErrorKey('<script>')).toBe('sso.error.generic');
    const b = { name: 'corp', labels: {}, start_url: '/api/v1/auth/sso/acme/corp/start' };
    expect(startHref(b, '/')).toBe('/api/v1/auth/sso/acme/corp/start');
  });
});

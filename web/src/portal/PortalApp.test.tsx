import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../App';
import { LANG_STORAGE_KEY } from '../i18n';
import { json } from '../test/session';
import { CSRF, me, outside, portalCase, renderPortal, setCsrfCookie, stubPortal, WAIT } from '../test/portal';
import { PORTAL_LANG_KEY } from './PortalApp';

beforeEach(() => setCsrfCookie(CSRF));
afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  setCsrfCookie(null);
});

describe('Portal language', { timeout: 60000 }, () => {
  it('opens in the portal user’s language, switches, keeps the choice in this browser and tells the server', async () => {
    const sent = stubPortal(
      (s) => {
        if (s.path === '/cases') return { records: [portalCase(1)], next_cursor: null };
        if (s.path === '/me' && s.method === 'PATCH') return me({ locale: String(s.body.locale) });
        return undefined;
      },
      me({ locale: 'zh-CN' }),
    );
    renderPortal('/portal/acme/cases', null);
    expect(await screen.findByText('帮助中心', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('portal-new-case').textContent).toBe('提交工单');
    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('Help')).toBeTruthy();
    expect(screen.getByTestId('portal-new-case').textContent).toBe('New case');
    expect(localStorage.getItem(PORTAL_LANG_KEY)).toBe('en');
    expect(localStorage.getItem(LANG_STORAGE_KEY)).toBeNull(); // the internal app's choice is its own
    await waitFor(() => expect(sent.filter((s) => s.method === 'PATCH').map((s) => [s.path, s.body, s.headers['x-csrf-token']])).toEqual([['/me', { locale: 'en' }, CSRF]]));
    // labels come in the portal user's locale: the list is asked for again
    await waitFor(() => expect(sent.filter((s) => s.path === '/cases')).toHaveLength(2));
    expect(outside).toEqual([]);
  });

  it('a choice made in this browser wins over the account’s language, and the account follows it', async () => {
    const sent = stubPortal(
      (s) => {
        if (s.path === '/cases') return { records: [], next_cursor: null };
        if (s.path === '/me' && s.method === 'PATCH') return me({ locale: String(s.body.locale) });
        return undefined;
      },
      me({ locale: 'zh-CN' }),
    );
    renderPortal('/portal/acme/cases', 'en');
    expect(await screen.findByText('Help', {}, WAIT)).toBeTruthy();
    expect(screen.queryByText('帮助中心')).toBeNull();
    await waitFor(() => expect(sent.filter((s) => s.method === 'PATCH').map((s) => s.body)).toEqual([{ locale: 'en' }]));
  });

  it('asks nothing of the server when the page already speaks the account’s language', async () => {
    const sent = stubPortal((s) => (s.path === '/cases' ? { records: [], next_cursor: null } : undefined), me({ locale: 'en' }));
    renderPortal('/portal/acme/cases', null);
    expect(await screen.findByText('Help', {}, WAIT)).toBeTruthy();
    await new Promise((r) => setTimeout(r, 50));
    expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
  });

  it('signed out, the switch changes the page and stays in this browser (nothing sent)', async () => {
    const sent = stubPortal(() => undefined, null);
    renderPortal('/portal/acme', 'zh-CN');
    expect(await screen.findByText('登录 Acme 科技', {}, WAIT)).toBeTruthy();
    fireEvent.click(screen.getByText('English'));
    expect(await screen.findByText('Sign in to Acme 科技')).toBeTruthy();
    expect(localStorage.getItem(PORTAL_LANG_KEY)).toBe('en');
    expect(sent.filter((s) => s.method !== 'GET')).toEqual([]);
  });
});

describe('Portal frame', { timeout: 60000 }, () => {
  it('shows the company and the user, and signs out (CSRF header sent) back to the sign-in page', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/cases') return { records: [], next_cursor: null };
      if (s.path === '/logout') return json(204, null);
      return undefined;
    });
    renderPortal('/portal/acme/cases');
    expect((await screen.findByTestId('portal-company', {}, WAIT)).textContent).toBe('Acme 科技');
    expect(screen.getByTestId('portal-user').textContent).toBe('张三');
    fireEvent.click(screen.getByTestId('portal-signout'));
    expect(await screen.findByTestId('portal-login-submit', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme');
    expect(sent.filter((s) => s.method === 'POST').map((s) => [s.path, s.headers['x-csrf-token']])).toEqual([['/logout', CSRF]]);
  });
});

describe('App routing', { timeout: 60000 }, () => {
  it('serves /portal/:tenant/* outside the internal app: no internal session, metadata or shell', async () => {
    stubPortal((s) => (s.path === '/cases' ? { records: [portalCase(1)], next_cursor: null } : undefined));
    localStorage.setItem(PORTAL_LANG_KEY, 'en');
    window.history.pushState({}, '', '/portal/acme/cases');
    await act(async () => {
      render(<App />);
    });
    expect(await screen.findAllByTestId('portal-case-row', {}, WAIT)).toHaveLength(1);
    expect(outside).toEqual([]);
    window.history.pushState({}, '', '/');
  });

  it('still serves the internal pages through the internal session', async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        return json(401, { status: 401, code: 'unauthenticated', title: 'Sign in' });
      }),
    );
    window.history.pushState({}, '', '/login');
    await act(async () => {
      render(<App />);
    });
    expect(await screen.findByTestId('forgot-link', {}, WAIT)).toBeTruthy();
    expect(asked).toContain('/api/v1/me');
    expect(asked.some((u) => u.startsWith('/api/v1/portal/'))).toBe(false);
    window.history.pushState({}, '', '/');
  });
});

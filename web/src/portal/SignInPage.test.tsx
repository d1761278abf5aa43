import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { renderPortal, session, stubPortal, WAIT } from '../test/portal';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const fill = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

describe('Portal sign-in', { timeout: 60000 }, () => {
  it('shows the company from /info, signs in by password and opens the case list', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/login') return json(200, session());
      if (s.path === '/cases') return { records: [], next_cursor: null };
      return undefined;
    }, null);
    renderPortal('/portal/acme');
    expect(await screen.findByText('Sign in to Acme 科技', {}, WAIT)).toBeTruthy();
    fill('portal-login-email', ' zhang@example.com ');
    fill('portal-login-password', 'S3cret-pass');
    fireEvent.click(screen.getByTestId('portal-login-submit'));
    expect(await screen.findByTestId('portal-cases', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/cases');
    expect(sent.find((s) => s.path === '/login')?.body).toEqual({ email: 'zhang@example.com', password: 'S3cret-pass' });
    expect(screen.getByTestId('portal-user').textContent).toBe('张三');
  });

  it('returns to the page asked for before signing in', async () => {
    stubPortal((s) => {
      if (s.path === '/login') return json(200, session());
      if (s.path === '/help' || s.path === '/articles') return { records: [], next_cursor: null };
      if (s.path === '/categories') return { records: [] };
      return undefined;
    }, null);
    renderPortal('/portal/acme?next=%2Fportal%2Facme%2Fhelp');
    await screen.findByTestId('portal-login-email', {}, WAIT);
    fill('portal-login-email', 'zhang@example.com');
    fill('portal-login-password', 'S3cret-pass');
    fireEvent.click(screen.getByTestId('portal-login-submit'));
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/portal/acme/help'), WAIT);
  });

  it.each([
    [401, 'bad_credentials', 'The email or password is not correct.'],
    [429, 'locked', 'Too many failed attempts. Try again in 15 minutes, or sign in with an emailed link.'],
    [401, 'account_disabled', 'This account cannot sign in. If you were invited, use the link in the invitation email first.'],
  ])('says what a %i %s means', async (status, code, text) => {
    stubPortal((s) => (s.path === '/login' ? problem(status, { code, title: 'x' }) : undefined), null);
    renderPortal('/portal/acme');
    await screen.findByTestId('portal-login-email', {}, WAIT);
    fill('portal-login-email', 'zhang@example.com');
    fill('portal-login-password', 'wrong');
    fireEvent.click(screen.getByTestId('portal-login-submit'));
    expect((await screen.findByTestId('portal-login-error', {}, WAIT)).textContent).toBe(text);
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme');
  });

  it('shows the server’s own words for a code it does not know', async () => {
    stubPortal((s) => (s.path === '/login' ? problem(401, { code: 'something_new', title: '账号状态异常' }) : undefined), null);
    renderPortal('/portal/acme');
    await screen.findByTestId('portal-login-email', {}, WAIT);
    fill('portal-login-email', 'zhang@example.com');
    fill('portal-login-password', 'x');
    fireEvent.click(screen.getByTestId('portal-login-submit'));
    expect((await screen.findByTestId('portal-login-error', {}, WAIT)).textContent).toBe('账号状态异常');
  });

  it('asks for a sign-in link and says the same whatever the address', async () => {
    const sent = stubPortal((s) => (s.path === '/login-link' ? json(202, {}) : undefined), null);
    renderPortal('/portal/acme');
    fireEvent.click(await screen.findByText('Email me a link', {}, WAIT));
    fill('portal-link-email', 'nobody@example.com');
    fireEvent.click(screen.getByTestId('portal-link-submit'));
    expect(await screen.findByText('Check your inbox', {}, WAIT)).toBeTruthy();
    expect(screen.getByText(/If nobody@example.com has a portal account/)).toBeTruthy();
    expect(sent.filter((s) => s.path === '/login-link').map((s) => [s.method, s.body])).toEqual([['POST', { email: 'nobody@example.com' }]]);
  });

  it('asks to wait when link requests are rate limited', async () => {
    stubPortal((s) => (s.path === '/login-link' ? problem(429, { code: 'rate_limited', title: 'Too many' }) : undefined), null);
    renderPortal('/portal/acme?tab=link');
    await screen.findByTestId('portal-link-email', {}, WAIT);
    fill('portal-link-email', 'zhang@example.com');
    fireEvent.click(screen.getByTestId('portal-link-submit'));
    expect((await screen.findByTestId('portal-login-error', {}, WAIT)).textContent).toBe('Too many attempts. Please wait a minute and try again.');
  });

  it('does not send an empty form', async () => {
    const sent = stubPortal(() => undefined, null);
    renderPortal('/portal/acme');
    fireEvent.click(await screen.findByTestId('portal-login-submit', {}, WAIT));
    expect(await screen.findByText('Enter your email address')).toBeTruthy();
    expect(sent.filter((s) => s.path === '/login')).toHaveLength(0);
  });

  it('goes straight to the cases when already signed in', async () => {
    stubPortal((s) => (s.path === '/cases' ? { records: [], next_cursor: null } : undefined));
    renderPortal('/portal/acme');
    expect(await screen.findByTestId('portal-cases', {}, WAIT)).toBeTruthy();
  });

  it('says so when the tenant has no portal', async () => {
    stubPortal((s) => (s.path === '/info' ? problem(404, { code: 'not_found', title: 'Not found' }) : undefined), null);
    renderPortal('/portal/acme');
    expect(await screen.findByText('This portal does not exist', {}, WAIT)).toBeTruthy();
    expect(screen.queryByTestId('portal-login-submit')).toBeNull();
  });
});

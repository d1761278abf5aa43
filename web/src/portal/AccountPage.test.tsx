import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { CSRF, renderPortal, setCsrfCookie, stubPortal, WAIT } from '../test/portal';

beforeEach(() => setCsrfCookie(CSRF));
afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  setCsrfCookie(null);
});

const fill = (current: string, next: string, confirm = next) => {
  fireEvent.change(screen.getByTestId('portal-current-password'), { target: { value: current } });
  fireEvent.change(screen.getByTestId('portal-new-password'), { target: { value: next } });
  fireEvent.change(screen.getByTestId('portal-confirm-password'), { target: { value: confirm } });
  fireEvent.click(screen.getByTestId('portal-password-submit'));
};
const besideField = (testId: string, text: HTMLElement) => (screen.getByTestId(testId).closest('.ant-form-item') as HTMLElement).contains(text);

describe('Portal account', { timeout: 60000 }, () => {
  it('shows who is signed in and changes the password (CSRF header sent)', async () => {
    const sent = stubPortal((s) => (s.path === '/me/password' ? json(204, null) : undefined));
    renderPortal('/portal/acme/account');
    expect(await screen.findByText('zhang@example.com', {}, WAIT)).toBeTruthy();
    expect(screen.getByText('华东制造')).toBeTruthy();
    fill('Old-pass-1', 'New-pass-22');
    expect(await screen.findByText('Password changed. You were signed out on your other devices.', {}, WAIT)).toBeTruthy();
    expect(sent.filter((s) => s.method === 'POST').map((s) => [s.path, s.body, s.headers['x-csrf-token']])).toEqual([
      ['/me/password', { current_password: 'Old-pass-1', new_password: 'New-pass-22' }, CSRF],
    ]);
  });

  it('shows the policy’s refusal and a wrong current password beside their fields', async () => {
    let n = 0;
    stubPortal((s) => {
      if (s.path !== '/me/password') return undefined;
      n += 1;
      return n === 1
        ? problem(422, { code: 'validation_failed', title: 'Invalid', errors: [{ field: 'new_password', code: 'password_has_email', message: 'Must not contain your email.' }] })
        : problem(401, { code: 'bad_credentials', title: 'Wrong' });
    });
    renderPortal('/portal/acme/account');
    await screen.findByTestId('portal-current-password', {}, WAIT);
    fill('Old-pass-1', 'zhang@example.com1');
    expect(besideField('portal-new-password', await screen.findByText('Must not contain your email.', {}, WAIT))).toBe(true);
    fill('Wrong-pass-1', 'New-pass-22');
    expect(besideField('portal-current-password', await screen.findByText('The current password is not correct.', {}, WAIT))).toBe(true);
    // a wrong current password is not an expired session: the customer stays here
    await waitFor(() => expect(screen.getByTestId('location').textContent).toBe('/portal/acme/account'));
  });
});

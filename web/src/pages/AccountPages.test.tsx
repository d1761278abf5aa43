import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, renderRoutes } from '../test/session';
import ForgotPasswordPage from './ForgotPasswordPage';
import ProfilePage from './ProfilePage';
import ResetPasswordPage from './ResetPasswordPage';

const ME = { user: { id: 'u1', name: '李雷', email: 'li.lei@example.com', language: 'en', phone: null }, tenant: { name: 'acme' } };

type Handler = (url: string, init: RequestInit) => Response | undefined;

function stubFetch(handler: Handler) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const body = init.body ? JSON.parse(String(init.body)) : undefined;
      calls.push({ url, method: init.method ?? 'GET', body });
      const answer = handler(url, init);
      if (answer) return answer;
      if (url === '/api/v1/me') return json(200, ME);
      throw new Error('unexpected ' + url);
    }),
  );
  return calls;
}

function renderAt(path: string, element: JSX.Element, route: string) {
  return renderRoutes(path, { [route]: element });
}

// antd forms validate asynchronously; on a loaded machine that takes more than the default 1 s.
configure({ asyncUtilTimeout: 10000 });

afterEach(() => vi.unstubAllGlobals());

describe('ForgotPasswordPage', () => {
  it('sends the email and says the same whatever the server knows', async () => {
    const calls = stubFetch((url) => (url === '/api/v1/auth/password/forgot' ? json(202, null) : undefined));
    renderAt('/forgot-password', <ForgotPasswordPage />, '/forgot-password');
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'someone@example.com' } });
    fireEvent.click(screen.getByTestId('forgot-submit'));
    expect((await screen.findByTestId('forgot-sent')).textContent).toContain('someone@example.com');
    expect(calls.find((c) => c.url === '/api/v1/auth/password/forgot')?.body).toEqual({ email: 'someone@example.com' });
  });
});

describe('ResetPasswordPage', () => {
  it('shows the policy refusal on the field, then confirms the change', async () => {
    let attempts = 0;
    const calls = stubFetch((url) => {
      if (url !== '/api/v1/auth/password/reset') return undefined;
      attempts += 1;
      if (attempts === 1)
        return json(422, { code: 'invalid_request', errors: [{ field: 'password', code: 'password_common', message: 'This is one of the most common passwords; choose another.' }] });
      return json(204, null);
    });
    renderAt('/reset-password?token=abcdefghijklmnop', <ResetPasswordPage />, '/reset-password');
    fireEvent.change(await screen.findByLabelText('New password'), { target: { value: 'password1' } });
    fireEvent.change(screen.getByLabelText('Repeat the new password'), { target: { value: 'password1' } });
    fireEvent.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByText('This is one of the most common passwords; choose another.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('New password'), { target: { value: 'Lantern-orbit-47' } });
    fireEvent.change(screen.getByLabelText('Repeat the new password'), { target: { value: 'Lantern-orbit-47' } });
    fireEvent.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByTestId('reset-done')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/auth/password/reset').map((c) => c.body)).toEqual([
      { token: 'abcdefghijklmnop', password: 'password1' },
      { token: 'abcdefghijklmnop', password: 'Lantern-orbit-47' },
    ]);
  });

  it('refuses a repeat that differs without asking the server', async () => {
    const calls = stubFetch(() => undefined);
    renderAt('/reset-password?token=abcdefghijklmnop', <ResetPasswordPage />, '/reset-password');
    fireEvent.change(await screen.findByLabelText('New password'), { target: { value: 'Lantern-orbit-47' } });
    fireEvent.change(screen.getByLabelText('Repeat the new password'), { target: { value: 'Lantern-orbit-48' } });
    fireEvent.click(screen.getByTestId('reset-submit'));
    expect(await screen.findByText('The two passwords differ')).toBeTruthy();
    expect(calls.some((c) => c.url === '/api/v1/auth/password/reset')).toBe(false);
  });
});

describe('ProfilePage', () => {
  it('sets up two-factor sign-in with a QR code and the secret, confirmed by a code', async () => {
    let enabled = false;
    const calls = stubFetch((url, init) => {
      if (url === '/api/v1/me/security') return json(200, { totp_enabled: enabled, has_password: true });
      if (url === '/api/v1/auth/totp/setup') return json(200, { secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/Keyi:li.lei%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Keyi' });
      if (url === '/api/v1/auth/totp/enable') {
        const code = JSON.parse(String(init.body)).code;
        if (code !== '123456') return json(422, { code: 'invalid_request', errors: [{ field: 'code', code: 'bad_totp', message: 'That code is not valid.' }] });
        enabled = true;
        return json(204, null);
      }
      return undefined;
    });
    renderAt('/profile', <ProfilePage />, '/profile');
    expect((await screen.findByTestId('totp-status')).textContent).toBe('Off');
    fireEvent.click(screen.getByTestId('totp-start'));
    expect((await screen.findByTestId('totp-secret')).textContent).toContain('JBSWY3DPEHPK3PXP');
    const qr = (await screen.findByTestId('totp-qr')) as HTMLImageElement;
    expect(qr.src.startsWith('data:image/png;base64,')).toBe(true);
    fireEvent.change(screen.getByTestId('totp-code'), { target: { value: '000000' } });
    fireEvent.click(screen.getByTestId('totp-enable'));
    expect(await screen.findByText('That code is not valid.')).toBeTruthy();
    fireEvent.change(screen.getByTestId('totp-code'), { target: { value: '123456' } });
    fireEvent.click(screen.getByTestId('totp-enable'));
    await waitFor(() => expect(screen.getByTestId('totp-status').textContent).toBe('On'));
    expect(screen.getByTestId('totp-disable')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/auth/totp/enable').map((c) => c.body)).toEqual([{ code: '000000' }, { code: '123456' }]);
  });

  it('changes the password and shows a wrong current password on its field', async () => {
    let tries = 0;
    const calls = stubFetch((url) => {
      if (url === '/api/v1/me/security') return json(200, { totp_enabled: true, has_password: true });
      if (url === '/api/v1/auth/password/change') {
        tries += 1;
        if (tries === 1) return json(422, { code: 'invalid_request', errors: [{ field: 'current_password', code: 'bad_credentials', message: 'Wrong email or password.' }] });
        return json(204, null);
      }
      return undefined;
    });
    renderAt('/profile', <ProfilePage />, '/profile');
    const fill = (current: string) => {
      fireEvent.change(screen.getByTestId('current-password'), { target: { value: current } });
      fireEvent.change(screen.getByTestId('new-password'), { target: { value: 'Lantern-orbit-47' } });
      fireEvent.change(screen.getByTestId('confirm-password'), { target: { value: 'Lantern-orbit-47' } });
      fireEvent.click(screen.getByTestId('password-save'));
    };
    await screen.findByTestId('current-password');
    fill('wrong-one');
    expect(await screen.findByText('Wrong email or password.')).toBeTruthy();
    fill('the-right-one');
    expect(await screen.findByText('Password changed')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/auth/password/change').map((c) => c.body)).toEqual([
      { current_password: 'wrong-one', password: 'Lantern-orbit-47' },
      { current_password: 'the-right-one', password: 'Lantern-orbit-47' },
    ]);
  });

  it('saves the profile through PATCH /me and shows the new name', async () => {
    const calls = stubFetch((url, init) => {
      if (url === '/api/v1/me/security') return json(200, { totp_enabled: false, has_password: true });
      if (url === '/api/v1/me' && init.method === 'PATCH') {
        const body = JSON.parse(String(init.body));
        return json(200, { ...ME, user: { ...ME.user, ...body } });
      }
      return undefined;
    });
    renderAt('/profile', <ProfilePage />, '/profile');
    const name = await screen.findByTestId('profile-name');
    await waitFor(() => expect((name as HTMLInputElement).value).toBe('李雷'));
    fireEvent.change(name, { target: { value: '韩梅梅' } });
    fireEvent.click(screen.getByTestId('profile-save'));
    expect(await screen.findByText('Profile saved')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ name: '韩梅梅', phone: null, language: 'en' });
  });
});

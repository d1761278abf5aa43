import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem, renderRoutes, SIGNED_OUT } from '../test/session';
import AcceptInvitePage from './AcceptInvitePage';

const INFO = { email: 'new@acme.cn', tenant: { name: 'acme', label: 'Acme 科技' }, expires_at: '2030-01-08T00:00:00Z' };
const SIGNED_IN = { token: 't', user: { id: 'u2', name: 'New', email: 'new@acme.cn' }, tenant: { name: 'acme' } };

type Handler = (body: Record<string, string>) => Response;

function stub(info: object | Response, accept: Handler) {
  const accepted: Record<string, string>[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url === '/api/v1/me') return SIGNED_OUT();
      if (url === '/api/v1/auth/invitation?token=tok-123') return info instanceof Response ? info : json(200, info);
      if (url === '/api/v1/auth/accept-invite') {
        const body = JSON.parse(String(init.body)) as Record<string, string>;
        accepted.push(body);
        return accept(body);
      }
      throw new Error('unexpected ' + url);
    }),
  );
  return accepted;
}

function renderAt(path: string) {
  renderRoutes(path, { '/accept-invite': <AcceptInvitePage />, '/': <div>workspace home</div> });
}

/** antd forms are slow to settle on a busy 2-core machine. */
const WAIT = { timeout: 10000 };

const password = () => screen.getByTestId('invite-password');

afterEach(() => vi.unstubAllGlobals());

describe('AcceptInvitePage', { timeout: 90000 }, () => {
  it('shows the company and email, checks the repeat, shows the policy error from the API on the field, then signs in', async () => {
    let attempt = 0;
    const accepted = stub({ ...INFO, needs_new_password: true }, () => {
      attempt += 1;
      if (attempt === 1)
        return problem(422, {
          code: 'invalid_request',
          errors: [{ field: 'password', code: 'weak_password', message: 'Choose a less guessable password.' }],
        });
      return json(200, SIGNED_IN);
    });
    renderAt('/accept-invite?token=tok-123');
    expect(await screen.findByText('Join Acme 科技', {}, WAIT)).toBeTruthy();
    expect(screen.getByText(/You were invited as new@acme\.cn\./)).toBeTruthy();

    fireEvent.change(password(), { target: { value: 'password1' } });
    fireEvent.change(screen.getByTestId('invite-confirm'), { target: { value: 'password2' } });
    fireEvent.click(screen.getByTestId('invite-accept'));
    expect(await screen.findByText('The two passwords are different', {}, WAIT)).toBeTruthy();
    expect(accepted).toHaveLength(0);

    fireEvent.change(screen.getByTestId('invite-confirm'), { target: { value: 'password1' } });
    fireEvent.click(screen.getByTestId('invite-accept'));
    await waitFor(() => expect(accepted).toHaveLength(1), WAIT);
    expect(await screen.findByText('Choose a less guessable password.', {}, WAIT)).toBeTruthy();
    expect(accepted[0]).toEqual({ token: 'tok-123', password: 'password1' });

    fireEvent.change(password(), { target: { value: 'Gu4rded-Lantern' } });
    fireEvent.change(screen.getByTestId('invite-confirm'), { target: { value: 'Gu4rded-Lantern' } });
    fireEvent.click(screen.getByTestId('invite-accept'));
    expect(await screen.findByText('workspace home', {}, WAIT)).toBeTruthy();
    expect(accepted[1]).toEqual({ token: 'tok-123', password: 'Gu4rded-Lantern' });
  });

  it('asks an existing Keyi identity for its current password, then for the TOTP code when the API wants one', async () => {
    const accepted = stub({ ...INFO, needs_new_password: false }, (body) =>
      body.totp ? json(200, SIGNED_IN) : problem(401, { code: 'totp_required', detail: 'Enter the code from your authenticator app.' }),
    );
    renderAt('/accept-invite?token=tok-123');
    expect(await screen.findByTestId('invite-existing', {}, WAIT)).toBeTruthy();
    expect(screen.getByText('Your current Keyi password')).toBeTruthy();
    expect(screen.queryByTestId('invite-confirm')).toBeNull();

    fireEvent.change(password(), { target: { value: 'my-old-pass1' } });
    fireEvent.click(screen.getByTestId('invite-accept'));
    const totp = await screen.findByTestId('invite-totp', {}, WAIT);
    fireEvent.change(totp, { target: { value: '123456' } });
    fireEvent.click(screen.getByTestId('invite-accept'));
    expect(await screen.findByText('workspace home', {}, WAIT)).toBeTruthy();
    expect(accepted).toEqual([
      { token: 'tok-123', password: 'my-old-pass1' },
      { token: 'tok-123', password: 'my-old-pass1', totp: '123456' },
    ]);
  });

  it('explains a used or expired link in the server’s words', async () => {
    stub(
      problem(422, { errors: [{ field: 'token', code: 'invitation_expired', message: 'This invitation has expired; ask for a new one.' }], detail: 'token: x' }),
      () => json(200, SIGNED_IN),
    );
    renderAt('/accept-invite?token=tok-123');
    await waitFor(() => expect(screen.getByTestId('invite-invalid').textContent).toBe('This invitation has expired; ask for a new one.'), WAIT);
    expect(screen.queryByTestId('invite-password')).toBeNull();
  });

  it('says the link is incomplete without a token', async () => {
    stub({ ...INFO, needs_new_password: true }, () => json(200, SIGNED_IN));
    renderAt('/accept-invite');
    expect(await screen.findByText('This invitation cannot be used', {}, WAIT)).toBeTruthy();
  });
});

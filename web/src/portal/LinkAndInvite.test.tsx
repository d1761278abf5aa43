import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { renderPortal, session, stubPortal, WAIT } from '../test/portal';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const EMPTY = { records: [], next_cursor: null };

describe('Portal sign-in link', { timeout: 60000 }, () => {
  it('redeems the token once and opens the case list', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/login-link/redeem') return json(200, session());
      if (s.path === '/cases') return EMPTY;
      return undefined;
    }, null);
    renderPortal('/portal/acme/link/tok-abc');
    expect(await screen.findByTestId('portal-cases', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/cases');
    expect(sent.filter((s) => s.path === '/login-link/redeem').map((s) => s.body)).toEqual([{ token: 'tok-abc' }]);
  });

  it.each([
    [410, 'link_expired', 'This sign-in link has expired'],
    [410, 'link_used', 'This sign-in link has already been used'],
    [404, 'link_invalid', 'This sign-in link is not valid'],
  ])('says why a %i %s link does not work and offers a new one', async (status, code, title) => {
    stubPortal((s) => (s.path === '/login-link/redeem' ? problem(status, { code, title: 'x' }) : undefined), null);
    renderPortal(`/portal/acme/link/tok-${code}`);
    const failed = await screen.findByTestId('portal-link-failed', {}, WAIT);
    expect(within(failed).getByText(title)).toBeTruthy();
    fireEvent.click(screen.getByTestId('portal-link-again'));
    expect(await screen.findByTestId('portal-link-email', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme?tab=link');
  });
});

describe('Portal invitation', { timeout: 60000 }, () => {
  const INVITATION = { email: 'li@example.com', name: '李四', company: '华东制造' };

  it('shows who is invited, shows the password policy’s refusal beside the field, then signs in', async () => {
    let attempt = 0;
    const sent = stubPortal((s) => {
      if (s.path === '/invitations/tok-1') return INVITATION;
      if (s.path === '/invitations/accept') {
        attempt += 1;
        if (attempt === 1)
          return problem(422, {
            code: 'validation_failed',
            title: 'Invalid',
            errors: [{ field: 'password', code: 'password_too_short', message: 'Use at least 8 characters.' }],
          });
        return json(200, session({ name: '李四', email: 'li@example.com' }));
      }
      if (s.path === '/cases') return EMPTY;
      return undefined;
    }, null);
    renderPortal('/portal/acme/invite/tok-1');
    expect(await screen.findByText('Welcome, 李四', {}, WAIT)).toBeTruthy();
    expect(screen.getByText('li@example.com')).toBeTruthy();
    expect(screen.getByText('华东制造')).toBeTruthy();
    fireEvent.change(screen.getByTestId('portal-invite-password'), { target: { value: 'short' } });
    fireEvent.change(screen.getByTestId('portal-invite-confirm'), { target: { value: 'short' } });
    fireEvent.click(screen.getByTestId('portal-invite-submit'));
    const refusal = await screen.findByText('Use at least 8 characters.', {}, WAIT);
    // beside the password field, not in a banner
    const item = screen.getByTestId('portal-invite-password').closest('.ant-form-item') as HTMLElement;
    expect(item.contains(refusal)).toBe(true);
    expect(screen.queryByTestId('portal-invite-error')).toBeNull();

    fireEvent.change(screen.getByTestId('portal-invite-password'), { target: { value: 'Longer-pass-42' } });
    fireEvent.change(screen.getByTestId('portal-invite-confirm'), { target: { value: 'Longer-pass-42' } });
    fireEvent.click(screen.getByTestId('portal-invite-submit'));
    expect(await screen.findByTestId('portal-cases', {}, WAIT)).toBeTruthy();
    expect(sent.filter((s) => s.path === '/invitations/accept').map((s) => s.body)).toEqual([
      { token: 'tok-1', password: 'short' },
      { token: 'tok-1', password: 'Longer-pass-42' },
    ]);
    expect(screen.getByTestId('portal-user').textContent).toBe('李四');
  });

  it('does not send two different passwords', async () => {
    const sent = stubPortal((s) => (s.path === '/invitations/tok-1' ? INVITATION : undefined), null);
    renderPortal('/portal/acme/invite/tok-1');
    fireEvent.change(await screen.findByTestId('portal-invite-password', {}, WAIT), { target: { value: 'Longer-pass-42' } });
    fireEvent.change(screen.getByTestId('portal-invite-confirm'), { target: { value: 'Longer-pass-43' } });
    fireEvent.click(screen.getByTestId('portal-invite-submit'));
    expect(await screen.findByText('The two passwords are different', {}, WAIT)).toBeTruthy();
    await waitFor(() => expect(sent.filter((s) => s.path === '/invitations/accept')).toHaveLength(0));
  });

  it.each([
    [410, 'link_expired', 'This invitation has expired'],
    [410, 'link_used', 'This invitation has already been accepted'],
    [404, 'link_invalid', 'This invitation link is not valid'],
  ])('says why a %i %s invitation cannot be used', async (status, code, title) => {
    stubPortal((s) => (s.path === '/invitations/tok-2' ? problem(status, { code, title: 'x' }) : undefined), null);
    renderPortal('/portal/acme/invite/tok-2');
    const failed = await screen.findByTestId('portal-invite-failed', {}, WAIT);
    expect(within(failed).getByText(title)).toBeTruthy();
    expect(screen.queryByTestId('portal-invite-password')).toBeNull();
  });
});

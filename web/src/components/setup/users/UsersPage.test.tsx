import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdminUser } from '../../../lib/users';
import UsersPage from '../../../pages/setup/UsersPage';
import { renderWith } from '../../../test/render';

const json = (status: number, body: object, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const problem = (status: number, body: object) => json(status, { status, ...body }, 'application/problem+json');

const base = { is_admin: false, last_login_at: null, invitation: null, role_name: null, department_name: null, manager_name: null };
const USERS: AdminUser[] = [
  { ...base, id: 'u1', name: 'Admin Wang', email: 'admin@acme.cn', is_admin: true, status: 'active', last_login_at: '2030-01-01T02:00:00Z', role_name: 'CEO' },
  { ...base, id: 'u2', name: 'Li Na', email: 'li@acme.cn', status: 'invited', invitation: { expires_at: '2030-01-08T00:00:00Z', expired: false } },
  { ...base, id: 'u3', name: 'Zhao Lei', email: 'zhao@acme.cn', status: 'inactive' },
];

/** antd tables and modals are slow to settle on a busy 2-core machine. */
const WAIT = { timeout: 10000 };

function stub(routes: (url: string, init: RequestInit) => Response | undefined) {
  const calls: { url: string; method: string; body: unknown }[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : undefined });
      const answer = routes(url, init);
      if (answer) return answer;
      throw new Error('unexpected ' + url);
    }),
  );
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('UsersPage', { timeout: 90000 }, () => {
  it('lists users with their status and shows the server’s reason when a deactivation is refused', async () => {
    const calls = stub((url) => {
      if (url.startsWith('/api/v1/users?')) return json(200, { users: url.includes('status=invited') ? [USERS[1]] : USERS, next_cursor: null });
      if (url === '/api/v1/users/u1/deactivate')
        return problem(409, { code: 'last_admin', detail: 'This is the last active administrator; make someone else an administrator first.' });
      return undefined;
    });
    renderWith(<UsersPage />);
    const row = (email: string) => screen.getByText(email).closest('tr') as HTMLElement;
    await screen.findByText('li@acme.cn', {}, WAIT);
    expect(within(row('admin@acme.cn')).getByText('Active')).toBeTruthy();
    expect(within(row('li@acme.cn')).getByText('Invited')).toBeTruthy();
    expect(within(row('li@acme.cn')).getByText(/Link valid until/)).toBeTruthy();
    expect(within(row('zhao@acme.cn')).getByText('Inactive')).toBeTruthy();
    // Actions follow the status.
    expect(within(row('li@acme.cn')).getByText('Revoke invitation')).toBeTruthy();
    expect(within(row('zhao@acme.cn')).getByText('Reactivate')).toBeTruthy();
    expect(within(row('zhao@acme.cn')).queryByText('Deactivate')).toBeNull();

    fireEvent.click(within(row('admin@acme.cn')).getByText('Deactivate'));
    fireEvent.click(await screen.findByTestId('user-action-confirm', {}, WAIT));
    const refusal = await screen.findByTestId('user-action-error', {}, WAIT);
    expect(refusal.textContent).toBe('This is the last active administrator; make someone else an administrator first.');
    expect(calls.find((c) => c.url === '/api/v1/users/u1/deactivate')?.method).toBe('POST');

    // The status filter asks the server.
    fireEvent.click(screen.getAllByText('Invited')[0]);
    await waitFor(() => expect(calls.some((c) => c.url.startsWith('/api/v1/users?status=invited'))).toBe(true), WAIT);
  });

  it('invites: shows the API’s field errors next to the inputs, then the link to copy when no mail went out', async () => {
    let attempt = 0;
    const calls = stub((url) => {
      if (url.startsWith('/api/v1/users?')) return json(200, { users: USERS, next_cursor: null });
      if (url === '/api/v1/users/invite') {
        attempt += 1;
        if (attempt === 1)
          return problem(422, {
            code: 'invalid_request',
            errors: [
              { field: 'email', code: 'user_exists', message: 'A user with this email already exists in this company.' },
              { field: 'phone', code: 'invalid_phone', message: 'Not a phone number.' },
            ],
          });
        return json(201, {
          user: { id: 'u9', name: 'Sun Yu', email: 'sun@acme.cn' },
          accept_url: 'http://crm.acme.cn/accept-invite?token=abcdefghijkl',
          expires_at: '2030-01-08T00:00:00Z',
          email_sent: false,
        });
      }
      return undefined;
    });
    renderWith(<UsersPage />);
    await screen.findByText('li@acme.cn', {}, WAIT);
    fireEvent.click(screen.getByTestId('user-invite'));
    fireEvent.change(await screen.findByTestId('invite-email', {}, WAIT), { target: { value: 'li@acme.cn' } });
    fireEvent.change(screen.getByTestId('invite-name'), { target: { value: 'Sun Yu' } });
    fireEvent.click(screen.getByTestId('invite-submit'));

    const emailItem = (await screen.findByText('A user with this email already exists in this company.', {}, WAIT)).closest('.ant-form-item');
    expect(emailItem?.querySelector('[data-testid="invite-email"]')).toBeTruthy();
    expect(screen.getByTestId('invite-error').textContent).toContain('phone: Not a phone number.');
    expect(calls.find((c) => c.url === '/api/v1/users/invite')?.body).toEqual({ email: 'li@acme.cn', name: 'Sun Yu' });

    fireEvent.change(screen.getByTestId('invite-email'), { target: { value: 'sun@acme.cn' } });
    fireEvent.click(screen.getByTestId('invite-submit'));
    const link = (await screen.findByTestId('invite-link', {}, WAIT)) as HTMLInputElement;
    expect(link.value).toBe('http://crm.acme.cn/accept-invite?token=abcdefghijkl');
    expect(screen.getByTestId('invite-email-not-sent').textContent).toContain('sun@acme.cn');
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  inviteBody,
  placeErrors,
  replaceUser,
  tokenFrom,
  transferRows,
  userActions,
  usersApi,
  type AdminUser,
} from './users';

const user = (id: string, status: AdminUser['status']): AdminUser => ({
  id,
  name: `User ${id}`,
  email: `${id}@example.com`,
  is_admin: false,
  status,
  last_login_at: null,
  invitation: null,
});

afterEach(() => vi.unstubAllGlobals());

describe('userActions', () => {
  it('offers what the status allows', () => {
    expect(userActions({ status: 'invited' })).toEqual(['reinvite', 'revoke', 'transfer']);
    expect(userActions({ status: 'active' })).toEqual(['deactivate', 'transfer']);
    expect(userActions({ status: 'inactive' })).toEqual(['reactivate', 'reinvite', 'transfer']);
  });
});

describe('inviteBody', () => {
  it('trims text, sends references as ids and leaves empty inputs out', () => {
    expect(
      inviteBody({
        email: '  Li.Lei@Example.com ',
        name: ' 李雷 ',
        title: '   ',
        role: { value: 'r1', label: 'Sales' },
        department: null,
        manager: { value: 'u9', label: 'Boss' },
        is_admin: false,
        language: 'en',
      }),
    ).toEqual({ email: 'Li.Lei@Example.com', name: '李雷', role: 'r1', manager: 'u9', language: 'en' });
  });
  it('sends is_admin only when ticked', () => {
    expect(inviteBody({ email: 'a@b.cn', name: 'A', is_admin: true })).toEqual({ email: 'a@b.cn', name: 'A', is_admin: true });
  });
});

describe('placeErrors', () => {
  it('puts errors on known inputs and keeps the rest as general messages', () => {
    const placed = placeErrors(
      [
        { field: 'email', code: 'user_exists', message: 'Taken.' },
        { field: 'email', code: 'invalid_email', message: 'Bad.' },
        { field: 'phone', code: 'invalid', message: 'No phone.' },
        { field: null, code: 'invalid_request', message: 'Broken.' },
      ],
      ['email', 'name'],
    );
    expect(placed.fields).toEqual([{ name: 'email', errors: ['Taken.', 'Bad.'] }]);
    expect(placed.general).toEqual(['phone: No phone.', 'Broken.']);
  });
});

describe('transferRows', () => {
  it('lists every object, largest first', () => {
    expect(
      transferRows({ from_user: 'a', to_user: 'b', transferred: { lead: 0, account: 3, opportunity: 7 }, total: 10, failed: [], failed_count: 0 }),
    ).toEqual([
      { object: 'opportunity', count: 7 },
      { object: 'account', count: 3 },
      { object: 'lead', count: 0 },
    ]);
  });
});

describe('replaceUser', () => {
  it('updates the row in place, or drops it when it left the filtered status', () => {
    const list = [user('a', 'active'), user('b', 'active')];
    const changed = { ...list[0], status: 'inactive' as const };
    expect(replaceUser(list, changed).map((u) => u.status)).toEqual(['inactive', 'active']);
    expect(replaceUser(list, changed, 'active').map((u) => u.id)).toEqual(['b']);
    expect(replaceUser(list, changed, 'inactive').map((u) => u.status)).toEqual(['inactive', 'active']);
  });
});

describe('tokenFrom', () => {
  it('reads the token parameter', () => {
    expect(tokenFrom('?token=abc_DEF-123')).toBe('abc_DEF-123');
    expect(tokenFrom('?token=%20')).toBeNull();
    expect(tokenFrom('')).toBeNull();
  });
});

describe('usersApi', () => {
  it('lists with status, trimmed search and cursor, and transfers to the chosen objects only when some are chosen', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ users: [], next_cursor: null }), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
    await usersApi.list({ status: 'invited', q: ' 王 ', cursor: 'c1' });
    await usersApi.transfer('u1', 'u2', []);
    await usersApi.transfer('u1', 'u2', ['account']);
    expect(calls[0].url).toBe(`/api/v1/users?status=invited&q=${encodeURIComponent('王')}&cursor=c1&limit=50`);
    expect(calls[1].url).toBe('/api/v1/users/u1/transfer');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ to_user: 'u2' });
    expect(JSON.parse(String(calls[2].init.body))).toEqual({ to_user: 'u2', objects: ['account'] });
  });
});

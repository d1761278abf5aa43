import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AdminUser } from '../../../lib/users';
import { renderWith } from '../../../test/render';
import { TransferDialog } from './TransferDialog';

const json = (status: number, body: object, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const problem = (status: number, body: object) => json(status, { status, ...body }, 'application/problem+json');

const LEAVER: AdminUser = {
  id: 'u3',
  name: 'Zhao Lei',
  email: 'zhao@acme.cn',
  is_admin: false,
  status: 'inactive',
  last_login_at: null,
  invitation: null,
};
const ACTIVE = [
  { ...LEAVER, id: 'u3', status: 'active' as const },
  { ...LEAVER, id: 'u5', name: 'Li Na', email: 'li@acme.cn', status: 'active' as const },
];

/** antd selects and modals are slow to settle on a busy 2-core machine. */
const WAIT = { timeout: 10000 };

afterEach(() => vi.unstubAllGlobals());

describe('TransferDialog', { timeout: 90000 }, () => {
  it('asks for a receiver, shows the server’s field error on it, then the counts and the records left behind', async () => {
    const bodies: unknown[] = [];
    let attempt = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url.startsWith('/api/v1/users?status=active')) return json(200, { users: ACTIVE, next_cursor: null });
        if (url === '/api/v1/users/u3/transfer') {
          bodies.push(JSON.parse(String(init.body)));
          attempt += 1;
          if (attempt === 1)
            return problem(422, { errors: [{ field: 'to_user', code: 'user_inactive', message: 'This user is not active.' }] });
          return json(200, {
            from_user: 'u3',
            to_user: 'u5',
            transferred: { account: 2, opportunity: 5 },
            total: 7,
            failed: [{ object: 'opportunity', id: '0190aaaa-bbbb-cccc-dddd-eeeeffff0000', code: 'invalid_request', errors: [{ field: 'amount', code: 'rule' }] }],
            failed_count: 1,
          });
        }
        throw new Error('unexpected ' + url);
      }),
    );
    renderWith(<TransferDialog user={LEAVER} onClose={() => undefined} />);
    fireEvent.click(await screen.findByTestId('transfer-submit', {}, WAIT));
    expect(await screen.findByText('Choose who receives the records', {}, WAIT)).toBeTruthy();
    expect(bodies).toHaveLength(0);

    // Only active users other than the leaver are offered.
    fireEvent.mouseDown(screen.getByTestId('transfer-to').querySelector('.ant-select-selector') as Element);
    const option = await screen.findByText('Li Na · li@acme.cn', {}, WAIT);
    expect(screen.queryByText('Zhao Lei · zhao@acme.cn')).toBeNull();
    fireEvent.click(option);
    fireEvent.click(screen.getByTestId('transfer-submit'));
    expect(await screen.findByText('This user is not active.', {}, WAIT)).toBeTruthy();
    expect(bodies[0]).toEqual({ to_user: 'u5' });

    fireEvent.click(screen.getByTestId('transfer-submit'));
    const result = await screen.findByTestId('transfer-result', {}, WAIT);
    expect(result.textContent).toContain('Records transferred: 7');
    expect(result.textContent).toContain('New owner: Li Na · li@acme.cn');
    await waitFor(() => expect(screen.getByTestId('transfer-failures').textContent).toContain('Not transferred: 1. These records still belong to Zhao Lei'), WAIT);
    expect(screen.getByTestId('transfer-failures').textContent).toContain('amount: rule');
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Receivables } from '../api/l2c';
import { stubApi, type Sent } from '../test/fetch';
import { L2C_OBJECTS } from '../test/l2c';
import { renderWith } from '../test/render';
import ReceivablesPage from './ReceivablesPage';

afterEach(() => vi.unstubAllGlobals());

const zero = { current: '0.00', d0_30: '0.00', d31_60: '0.00', d61_90: '0.00', d90_plus: '0.00' };
function answer(groupBy: string): Receivables {
  return {
    as_of: '2027-03-31',
    currency: 'CNY',
    totals: { outstanding: '90071992547409.93', overdue: '1234567.89', buckets: { ...zero, current: '90071991312842.04', d0_30: '1234567.89' } },
    rows:
      groupBy === 'account'
        ? [
            { id: 'A1', name: '杭州云帆科技', outstanding: '90071992547409.93', overdue: '1234567.89', buckets: { ...zero, current: '90071991312842.04', d0_30: '1234567.89' } },
            { id: null, name: '', outstanding: '0.00', overdue: '0.00', buckets: zero },
          ]
        : [{ id: 'U1', name: 'Rep Li', outstanding: '90071992547409.93', overdue: '1234567.89', buckets: zero }],
    next_cursor: null,
  };
}

describe('ReceivablesPage', () => {
  it('shows exact totals and aging per account, links accounts, and switches to owners', async () => {
    const sent = stubApi((s: Sent) => answer(new URL(s.url, 'http://x').searchParams.get('group_by') ?? 'account'));
    renderWith(<ReceivablesPage />, { objects: L2C_OBJECTS, path: '/receivables' });
    // Beyond 2^53 cents: a Number would have lost the last cent.
    expect((await screen.findByTestId('receivables-outstanding')).textContent).toBe('¥90,071,992,547,409.93');
    expect(screen.getByTestId('receivables-overdue').textContent).toBe('¥1,234,567.89');
    expect(screen.getByTestId('receivables-bucket-d0_30').textContent).toBe('¥1,234,567.89');
    const row = screen.getByTestId('receivables-row-A1');
    expect(within(row).getByText('杭州云帆科技').closest('a')?.getAttribute('href')).toBe('/o/account/A1');
    expect(row.textContent).toContain('¥1,234,567.89');
    expect(screen.getByTestId('receivables-row-none').querySelector('a')).toBeNull();
    expect(sent[0].url).toMatch(/^\/api\/v1\/l2c\/receivables\?group_by=account&as_of=\d{4}-\d{2}-\d{2}&limit=50$/);

    fireEvent.click(screen.getByText('Owner'));
    expect(await screen.findByTestId('receivables-row-U1')).toBeTruthy();
    await waitFor(() => expect(sent.at(-1)?.url).toContain('group_by=owner'));
  });
});

import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseFilterState } from '../../lib/filter';
import { stubApi, type Sent } from '../../test/fetch';
import { L2C_OBJECTS } from '../../test/l2c';
import { renderWith } from '../../test/render';
import { chainListUrl, DealChain } from './DealChain';

afterEach(() => vi.unstubAllGlobals());

/** One opportunity: two quotes (one superseded), a contract, no order, two plans and one payment. */
function server() {
  return stubApi((s: Sent) => {
    const filter = JSON.stringify(s.body.filter ?? null);
    if (s.url === '/api/v1/records/opportunity/O1') return { id: 'O1', name: '云帆 CRM' };
    if (s.url.startsWith('/api/v1/records/quote/query'))
      return { records: [{ id: 'Q1', name: 'BJ-1', status: 'rejected' }, { id: 'Q2', name: 'BJ-1 v2', status: 'accepted' }], next_cursor: null };
    if (s.url.startsWith('/api/v1/records/contract/query')) return { records: [{ id: 'C1', name: 'HT-2027-0001', status: 'active' }], next_cursor: null };
    if (s.url.startsWith('/api/v1/records/order/query')) return { records: [], next_cursor: null };
    if (s.url.startsWith('/api/v1/records/payment_plan/query') && filter.includes('C1'))
      return { records: [{ id: 'P1', name: '第1期', status: 'paid' }, { id: 'P2', name: '第2期', status: 'paid' }], next_cursor: null };
    if (s.url.startsWith('/api/v1/records/payment/query') && filter.includes('C1')) return { records: [{ id: 'K1', name: 'HK-1' }], next_cursor: null };
    return { records: [], next_cursor: null };
  });
}

describe('DealChain', () => {
  it('shows the chain of a quote: its opportunity, the quotes, the contract, nothing ordered or invoiced, the plans and payments', async () => {
    const sent = server();
    renderWith(<DealChain object="quote" record={{ id: 'Q2', version: 3, opportunity: 'O1', status: 'accepted' }} />, { objects: L2C_OBJECTS });
    const chain = await screen.findByTestId('deal-chain');
    const step = (name: string) => within(chain).getByTestId(`chain-${name}`);
    expect(within(step('opportunity')).getByText('Opportunities').closest('a')?.getAttribute('href')).toBe('/o/opportunity/O1');
    expect(step('quote').textContent).toContain('2');
    expect(step('quote').textContent).toContain('rejected');
    expect(step('quote').textContent).toContain('accepted');
    expect(step('contract').textContent).toContain('active');
    expect(within(step('contract')).getByText('Contracts').closest('a')?.getAttribute('href')).toBe('/o/contract/C1');
    expect(step('order').textContent).toContain('none');
    expect(step('invoice').textContent).toContain('none');
    expect(step('payment_plan').textContent).toContain('paid ×2');
    expect(step('payment').textContent).toContain('1');

    // Several quotes: the link opens their list filtered on the opportunity.
    const href = within(step('quote')).getByText('Quotes').closest('a')?.getAttribute('href') ?? '';
    expect(href.startsWith('/o/quote?f=')).toBe(true);
    expect(parseFilterState(decodeURIComponent(href.split('?f=')[1])).conditions[0]).toMatchObject({ field: 'opportunity', op: 'in', value: [{ value: 'O1', label: '云帆 CRM' }] });
    // Plans and payments hang off the contract (and orders, of which there are none).
    const plans = sent.find((s) => s.url.startsWith('/api/v1/records/payment_plan/query'));
    expect(plans?.body.filter).toEqual({ field: 'contract', op: 'eq', value: 'C1' });
  });

  it('builds no list link from an id-only filter', () => {
    expect(chainListUrl({ object: 'opportunity', records: [], filter: { field: 'id', op: 'eq', value: 'O1' } })).toBeNull();
    expect(chainListUrl({ object: 'quote', records: [], filter: null })).toBeNull();
  });
});

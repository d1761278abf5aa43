import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RecordData } from '../../api/types';
import { stubApi, type Sent } from '../../test/fetch';
import { L2C_OBJECTS, quote, quoteLine } from '../../test/l2c';
import { renderWith } from '../../test/render';
import { LineItemsEditor } from './LineItemsEditor';

afterEach(() => vi.unstubAllGlobals());

const RELATION = { object: quoteLine, field: quoteLine.fields.find((f) => f.name === 'quote')! };
const QUOTE: RecordData = { id: 'Q1', version: 2, name: 'Quote 1', status: 'draft', price_book: 'B1', currency: 'CNY' };
const LINE: RecordData = { id: 'L1', version: 1, product: 'P1', _display: { product: 'Router' }, quantity: '3', unit_price: '33.335', discount_percent: '0', tax_rate: '13', sort_order: 10 };

function server() {
  return stubApi((s: Sent) => {
    if (s.url.startsWith('/api/v1/records/quote_line/query')) return { records: [LINE], next_cursor: null };
    if (s.url.startsWith('/api/v1/records/price_book_entry/query'))
      return { records: [{ id: 'E2', name: 'SW-1 Licence', product: 'P2', unit_price: '99.99', _display: { product: 'Licence' } }], next_cursor: null };
    if (s.url === '/api/v1/records/product/P2') return { id: 'P2', tax_rate: '6' };
    return { id: 'new', version: 1 };
  });
}

describe('LineItemsEditor', () => {
  it('shows live totals computed half up per line, adds a product from the price book and saves the changes', async () => {
    const sent = server();
    renderWith(<LineItemsEditor parent={quote} record={QUOTE} relation={RELATION} />, { objects: L2C_OBJECTS });
    // 3 × 33.335 = 100.005 → 100.01; tax 13.00
    expect((await screen.findByTestId('line-total')).textContent).toBe('¥100.01');
    expect(screen.getByTestId('lines-subtotal').textContent).toBe('¥100.01');
    expect(screen.getByTestId('lines-tax').textContent).toBe('¥13.00');
    expect(screen.getByTestId('lines-grand-total').textContent).toBe('¥113.01');

    // Editing the quantity changes the totals at once.
    fireEvent.change(screen.getByTestId('line-quantity'), { target: { value: '2' } });
    expect(screen.getByTestId('lines-subtotal').textContent).toBe('¥66.67');

    // A new line: product from the book's entries fills the book price and the product's tax rate.
    fireEvent.click(screen.getByTestId('line-add'));
    const row = await screen.findByTestId('line-row-1');
    fireEvent.mouseDown(within(row).getByRole('combobox'));
    fireEvent.click(await screen.findByTestId('line-product-option-E2'));
    await waitFor(() => expect((within(row).getByTestId('line-unit_price') as HTMLInputElement).value).toBe('99.99'));
    await waitFor(() => expect((within(row).getByTestId('line-tax_rate') as HTMLInputElement).value).toBe('6'));
    fireEvent.change(within(row).getByTestId('line-discount_percent'), { target: { value: '15' } });
    // 66.67 + 84.99 (99.99 × 0.85 = 84.9915); tax 8.67 + 5.10
    expect(screen.getByTestId('lines-subtotal').textContent).toBe('¥151.66');
    expect(screen.getByTestId('lines-tax').textContent).toBe('¥13.77');
    const entryQuery = sent.find((s) => s.url.startsWith('/api/v1/records/price_book_entry/query'));
    expect(JSON.stringify(entryQuery?.body.filter)).toContain('"value":"B1"');

    fireEvent.click(screen.getByTestId('lines-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/quote_line')).toBe(true));
    expect(sent.find((s) => s.method === 'PATCH')).toMatchObject({ url: '/api/v1/records/quote_line/L1', body: { quantity: '2' } });
    expect(sent.find((s) => s.method === 'POST' && s.url === '/api/v1/records/quote_line')?.body).toEqual({
      quote: 'Q1',
      product: 'P2',
      quantity: '1',
      unit_price: '99.99',
      discount_percent: '15',
      tax_rate: '6',
      sort_order: 20,
    });
  });

  it('refuses to save a negative quantity, and is read-only once the quote left draft', async () => {
    const sent = server();
    const { unmount } = renderWith(<LineItemsEditor parent={quote} record={QUOTE} relation={RELATION} />, { objects: L2C_OBJECTS });
    fireEvent.change(await screen.findByTestId('line-quantity'), { target: { value: '-1' } });
    fireEvent.click(screen.getByTestId('lines-save'));
    expect(await screen.findByTestId('lines-errors')).toBeTruthy();
    expect(sent.some((s) => s.method !== 'GET' && !s.url.includes('/query'))).toBe(false);
    unmount();

    renderWith(<LineItemsEditor parent={quote} record={{ ...QUOTE, status: 'approved' }} relation={RELATION} />, { objects: L2C_OBJECTS });
    expect(await screen.findByTestId('lines-readonly')).toBeTruthy();
    expect(screen.queryByTestId('line-quantity')).toBeNull();
    expect(screen.queryByTestId('line-add')).toBeNull();
    expect(screen.getByTestId('lines-grand-total').textContent).toBe('¥113.01');
  });
});

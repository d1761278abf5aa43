import { describe, expect, it } from 'vitest';
import { add, compare, divide, formatDecimal, formatMoney, max, multiply, normalize, parseDecimal, roundHalfUp, subtract } from './decimal';
import { lineAmounts, lineChanges, rowProblems, totals, type EditorRow } from './lineItems';

describe('decimal', () => {
  it('adds 0.1 and 0.2 exactly', () => {
    expect(add('0.1', '0.2')).toBe('0.3');
    expect(compare(add('0.1', '0.2'), '0.3')).toBe(0);
    expect(0.1 + 0.2).not.toBe(0.3); // what it protects against
  });

  it('keeps cents of amounts beyond 2^53', () => {
    expect(add('90071992547409.93', '0.01')).toBe('90071992547409.94');
    expect(multiply('12345678901234.56', '3')).toBe('37037036703703.68');
  });

  it('rounds half up (away from zero), like Python ROUND_HALF_UP', () => {
    expect(roundHalfUp('2.675', 2)).toBe('2.68'); // float rounding gives 2.67
    expect(roundHalfUp('2.665', 2)).toBe('2.67'); // banker's rounding would give 2.66
    expect(roundHalfUp('-0.125', 2)).toBe('-0.13');
    expect(roundHalfUp('1.004', 2)).toBe('1.00');
    expect(roundHalfUp('7', 2)).toBe('7.00');
    expect(roundHalfUp('0.5', 0)).toBe('1');
  });

  it('parses API strings and rejects what is not a number', () => {
    expect(parseDecimal('1,234.50')?.toFixed()).toBe('1234.5');
    expect(parseDecimal(' 12 ')?.toFixed()).toBe('12');
    expect(parseDecimal('abc')).toBeNull();
    expect(parseDecimal('1e5')).toBeNull();
    expect(parseDecimal('')).toBeNull();
    expect(parseDecimal(null)).toBeNull();
    expect(subtract('10', '0.01')).toBe('9.99');
    expect(divide('10', '3', 4)).toBe('3.3333');
    expect(divide('1', '0')).toBeNull();
    expect(max('1.5', null, '10', '9.99')).toBe('10');
    expect(normalize('12.500')).toBe('12.5');
  });

  it('formats money with thousand separators and the currency', () => {
    expect(formatMoney('1234567.8', 'CNY')).toBe('¥1,234,567.80');
    expect(formatMoney('-12', 'USD')).toBe('-$12.00');
    expect(formatMoney('1000.5', 'JPY')).toBe('¥1,001');
    expect(formatMoney('5', 'CHF')).toBe('CHF 5.00');
    expect(formatMoney('5', 'EUR', { code: true })).toBe('EUR 5.00');
    expect(formatMoney('-0.001', 'CNY')).toBe('¥0.00');
    expect(formatMoney(null, 'CNY')).toBe('');
    expect(formatDecimal('1234.5', 2)).toBe('1,234.50');
  });
});

describe('line items', () => {
  it('computes a line as the server does (half up per line)', () => {
    // 3 × 33.335 = 100.005 → 100.01 (a float gives 100.00499999…)
    expect(lineAmounts({ quantity: '3', unit_price: '33.335', discount_percent: '0', tax_rate: '13' })).toEqual({
      line_total: '100.01',
      discount_amount: '0.00',
      tax_amount: '13.00',
    });
    // 2 × 99.99 × 0.85 = 169.983 → 169.98; discount 199.98 − 169.98 = 30.00; tax 6% 10.1988 → 10.20
    expect(lineAmounts({ quantity: '2', unit_price: '99.99', discount_percent: '15', tax_rate: '6' })).toEqual({
      line_total: '169.98',
      discount_amount: '30.00',
      tax_amount: '10.20',
    });
    // empty inputs count as zero
    expect(lineAmounts({ quantity: '', unit_price: null })).toEqual({ line_total: '0.00', discount_amount: '0.00', tax_amount: '0.00' });
  });

  it('sums rounded lines into subtotal, discount, tax and grand total', () => {
    const t = totals([
      { quantity: '1', unit_price: '0.1', tax_rate: '0' },
      { quantity: '1', unit_price: '0.2', tax_rate: '0' },
      { quantity: '1.5', unit_price: '1000', discount_percent: '12.5', tax_rate: '13' },
    ]);
    // 1312.50 + 0.30; tax 170.625 → 170.63
    expect(t).toEqual({ subtotal: '1312.80', discount: '187.50', tax: '170.63', grand_total: '1483.43' });
    expect(totals([])).toEqual({ subtotal: '0.00', discount: '0.00', tax: '0.00', grand_total: '0.00' });
  });
});

describe('line editor changes', () => {
  const saved: EditorRow[] = [
    { key: 'a', id: 'a', version: 1, product: 'P1', quantity: '2', unit_price: '100', discount_percent: '0', tax_rate: '13', sort_order: 10 },
    { key: 'b', id: 'b', version: 3, product: 'P2', quantity: '1', unit_price: '50.5', discount_percent: '0', tax_rate: '6', sort_order: 20 },
  ];

  it('creates new rows, updates changed fields only, deletes removed rows, renumbers sort order', () => {
    const rows: EditorRow[] = [
      { ...saved[1], quantity: '3', unit_price: '50.50' }, // moved first; 50.50 == 50.5
      { key: 'n1', product: 'P3', quantity: '1', unit_price: '9.99', discount_percent: '0', tax_rate: null },
    ];
    const c = lineChanges(saved, rows);
    expect(c.deletes.map((r) => r.id)).toEqual(['a']);
    expect(c.updates).toEqual([{ row: expect.objectContaining({ id: 'b' }), values: { quantity: '3', sort_order: 10 } }]);
    expect(c.creates).toEqual([expect.objectContaining({ key: 'n1', sort_order: 20 })]);
    expect(lineChanges(saved, saved)).toEqual({ creates: [], updates: [], deletes: [] });
  });

  it('flags what the server would refuse, per field', () => {
    expect(rowProblems({ key: 'x', product: null, quantity: '-1', unit_price: 'abc', discount_percent: '120', tax_rate: '' })).toEqual({
      product: 'required',
      quantity: 'negative',
      unit_price: 'number',
      discount_percent: 'over100',
    });
    expect(rowProblems({ key: 'y', product: 'P', quantity: '1.5', unit_price: '0', discount_percent: '100', tax_rate: '13' })).toEqual({});
    expect(rowProblems({ key: 'z', product: 'P', quantity: '', unit_price: null })).toEqual({ quantity: 'required', unit_price: 'required' });
  });
});

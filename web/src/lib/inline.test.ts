import { describe, expect, it } from 'vitest';
import type { FormatSettings } from './format';
import { inlineEditable, inlinePayload, massEditableFields, summariseMassErrors } from './inline';
import { opportunity } from '../test/fixtures';

const fmt: FormatSettings = { lang: 'en', locale: 'en', currency: 'CNY', timeZone: 'Asia/Shanghai' };
const f = (n: string) => opportunity.fields.find((x) => x.name === n)!;

describe('inline editing', () => {
  it('edits business fields only', () => {
    expect(inlineEditable(f('stage'))).toBe(true);
    expect(inlineEditable(f('weighted'))).toBe(false);
    expect(inlineEditable(f('code'))).toBe(false);
    expect(inlineEditable(f('created_at'))).toBe(false);
    expect(massEditableFields(opportunity).map((x) => x.name)).not.toContain('name');
    expect(massEditableFields(opportunity).map((x) => x.name)).toContain('stage');
  });

  it('sends only a changed value', () => {
    const rec = { id: 'o1', version: 3, stage: 'won', amount: 10, amount_currency: 'CNY' };
    expect(inlinePayload(f('stage'), 'won', rec, fmt)).toBeNull();
    expect(inlinePayload(f('stage'), 'lost', rec, fmt)).toEqual({ stage: 'lost' });
    expect(inlinePayload(f('stage'), undefined, rec, fmt)).toEqual({ stage: null });
    expect(inlinePayload(f('amount'), { amount: 12, currency: 'CNY' }, rec, fmt)).toEqual({ amount: 12 });
  });

  it('summarises mass errors by message and number of records', () => {
    expect(
      summariseMassErrors([
        { field: '0.lost_reason', message: 'Give a reason' },
        { field: '3.lost_reason', message: 'Give a reason' },
        { field: '3.amount', message: 'Negative' },
      ]),
    ).toEqual([
      { message: 'Give a reason', count: 2 },
      { message: 'Negative', count: 1 },
    ]);
  });
});

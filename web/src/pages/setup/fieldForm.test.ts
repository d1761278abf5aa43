import { describe, expect, it } from 'vitest';
import { capabilities, fromField, mapFieldErrors, moveOption, suggestName, toPayload, type FieldFormValues } from './fieldForm';

const base = (extra: Partial<FieldFormValues>): FieldFormValues => ({ name: 'x', type: 'text', label_en: 'X', label_zh: '叉', ...extra });

describe('field form → API payload', () => {
  it('sends a text field with its length, flags and trimmed labels', () => {
    const body = toPayload(base({ name: 'serial_no', label_en: ' Serial No ', label_zh: '', max_length: 40, required: true, unique: true, searchable: true }), 'create');
    expect(body).toEqual({
      name: 'serial_no',
      type: 'text',
      labels: { en: 'Serial No' },
      required: true,
      unique: true,
      indexed: false,
      searchable: true,
      max_length: 40,
    });
  });

  it('sends picklist options with both labels, activity and order', () => {
    const body = toPayload(
      base({
        type: 'picklist',
        options: [
          { value: 'gold', en: 'Gold', zh: '金牌', active: true },
          { value: 'silver', en: 'Silver', zh: '', active: false, saved: true },
        ],
        default: 'gold',
      }),
      'create',
    );
    expect(body.options).toEqual([
      { value: 'gold', labels: { en: 'Gold', 'zh-CN': '金牌' }, active: true },
      { value: 'silver', labels: { en: 'Silver' }, active: false },
    ]);
    expect(body.default).toBe('gold');
    expect(body).not.toHaveProperty('max_length');
  });

  it('sends lookups with a target, owners with the user target, and never a target on edit', () => {
    expect(toPayload(base({ type: 'lookup', target: 'account' }), 'create').target).toBe('account');
    expect(toPayload(base({ type: 'owner' }), 'create').target).toBe('user');
    const edit = toPayload(base({ type: 'master_detail', target: 'account' }), 'edit');
    expect(edit).not.toHaveProperty('target');
    expect(edit).not.toHaveProperty('name');
    expect(edit).not.toHaveProperty('type');
  });

  it('sends formulas with expression and return type, and computed types without required/default', () => {
    const body = toPayload(base({ type: 'formula', expression: ' amount * 2 ', return_type: 'currency', required: true, default: 'x' }), 'create');
    expect(body).toMatchObject({ expression: 'amount * 2', return_type: 'currency' });
    expect(body).not.toHaveProperty('required');
    expect(body).not.toHaveProperty('default');
    expect(body).not.toHaveProperty('unique');
  });

  it('sends roll-ups as a spec; count needs no aggregate field', () => {
    const sum = toPayload(base({ type: 'rollup', rollup_child: 'opportunity.account', rollup_op: 'sum', rollup_aggregate_field: 'amount', return_type: 'currency' }), 'create');
    expect(sum.rollup).toEqual({ child_object: 'opportunity', child_field: 'account', op: 'sum', aggregate_field: 'amount' });
    expect(sum.return_type).toBe('currency');
    const count = toPayload(base({ type: 'rollup', rollup_child: 'contact.account', rollup_op: 'count', rollup_aggregate_field: 'x' }), 'create');
    expect(count.rollup).toEqual({ child_object: 'contact', child_field: 'account', op: 'count' });
  });

  it('sends auto-number patterns and decimal precision/scale', () => {
    expect(toPayload(base({ type: 'auto_number', pattern: 'HT-{YYYY}-{0000}' }), 'create').pattern).toBe('HT-{YYYY}-{0000}');
    const dec = toPayload(base({ type: 'decimal', precision: 12, scale: 2 }), 'create');
    expect(dec).toMatchObject({ precision: 12, scale: 2 });
  });

  it('clears emptied values on edit (null) but leaves them out on create', () => {
    expect(toPayload(base({ default: '  ', help_en: '' }), 'create')).not.toHaveProperty('default');
    const edit = toPayload(base({ default: '', help_en: '', max_length: null }), 'edit');
    expect(edit.default).toBeNull();
    expect(edit.help).toBeNull();
    expect(edit.max_length).toBeNull();
  });

  it('always gives booleans a default', () => {
    expect(toPayload(base({ type: 'boolean' }), 'create').default).toBe(false);
    expect(toPayload(base({ type: 'boolean', default: true }), 'create').default).toBe(true);
    expect(capabilities('boolean').unique).toBe(false);
  });

  it('round-trips an existing field through the form', () => {
    const values = fromField({
      name: 'level',
      type: 'picklist',
      labels: { en: 'Level', 'zh-CN': '级别' },
      options: [{ value: 'a', labels: { en: 'A' }, active: false }],
      required: true,
    });
    expect(values.options?.[0]).toMatchObject({ value: 'a', en: 'A', active: false, saved: true });
    expect(toPayload(values, 'edit')).toMatchObject({ labels: { en: 'Level', 'zh-CN': '级别' }, required: true, options: [{ value: 'a', labels: { en: 'A' }, active: false }] });
  });
});

describe('API errors → form inputs', () => {
  it('puts each error next to its input and keeps the rest general', () => {
    const mapped = mapFieldErrors([
      { field: 'name', message: 'taken' },
      { field: 'labels', message: 'need one' },
      { field: 'options.1.value', message: 'dup' },
      { field: 'rollup.child_field', message: 'bad link' },
      { field: 'options', message: 'picklists need options' },
      { field: null, message: 'whole thing' },
    ]);
    expect(mapped.fields).toEqual([
      { name: ['name'], errors: ['taken'] },
      { name: ['label_en'], errors: ['need one'] },
      { name: ['options', 1, 'value'], errors: ['dup'] },
      { name: ['rollup_child'], errors: ['bad link'] },
    ]);
    expect(mapped.general).toEqual(['options: picklists need options', 'whole thing']);
  });
});

describe('helpers', () => {
  it('suggests API names from labels', () => {
    expect(suggestName('Serial No.')).toBe('serial_no');
    expect(suggestName('2nd contact')).toBe('f_2nd_contact');
    expect(suggestName('保修')).toBe('');
  });
  it('reorders option rows within bounds', () => {
    const rows = [{ value: 'a', active: true }, { value: 'b', active: true }];
    expect(moveOption(rows, 1, -1).map((r) => r.value)).toEqual(['b', 'a']);
    expect(moveOption(rows, 0, -1)).toBe(rows);
  });
});

import { describe, expect, it } from 'vitest';
import {
  insertIntoCondition,
  removeRule,
  ruleErrors,
  setRuleActive,
  suggestRuleName,
  upsertRule,
  validationRuleFromForm,
  validationRuleToForm,
  type ValidationRuleDef,
} from './rules';

const RULES: ValidationRuleDef[] = [
  { name: 'a', condition: 'x < 0', message: { en: 'A' }, field: 'x', active: true },
  { name: 'b', condition: 'y < 0', message: { 'zh-CN': '乙' }, field: null, active: false },
];

describe('editing one rule of a list the API replaces whole', () => {
  it('replaces the edited rule in place and appends a new one', () => {
    const changed = { ...RULES[1], condition: 'y <= 0' };
    expect(upsertRule(RULES, 1, changed)).toEqual([RULES[0], changed]);
    const added = { name: 'c', condition: 'z', message: { en: 'C' } };
    expect(upsertRule(RULES, null, added)).toEqual([...RULES, added]);
    expect(RULES).toHaveLength(2); // the original list is untouched
  });

  it('removes and switches rules by position', () => {
    expect(removeRule(RULES, 0)).toEqual([RULES[1]]);
    expect(setRuleActive(RULES, 1, true)[1]).toEqual({ ...RULES[1], active: true });
    expect(setRuleActive(RULES, 1, true)[0]).toBe(RULES[0]);
  });
});

describe('validation rule form', () => {
  it('round-trips a rule, trimming text and dropping empty languages', () => {
    const form = validationRuleToForm(RULES[0]);
    expect(form).toEqual({ name: 'a', condition: 'x < 0', message_en: 'A', message_zh: '', field: 'x', active: true });
    expect(validationRuleFromForm({ ...form, condition: '  x <= 0 ', message_zh: ' 甲 ' })).toEqual({
      name: 'a',
      condition: 'x <= 0',
      message: { en: 'A', 'zh-CN': '甲' },
      field: 'x',
      active: true,
    });
  });

  it('starts a new rule active, shown at the top of the form', () => {
    const form = validationRuleToForm(null);
    expect(form.active).toBe(true);
    expect(validationRuleFromForm({ ...form, name: 'n', condition: 'c', message_en: 'M' }).field).toBeNull();
  });

  it('suggests an API name from the message that no other rule has', () => {
    expect(suggestRuleName('Amount must be positive!')).toBe('amount_must_be_positive');
    expect(suggestRuleName('Amount must be positive', ['amount_must_be_positive'])).toBe('amount_must_be_positive_2');
    expect(suggestRuleName('金额必须为正')).toBe('');
    expect(suggestRuleName('A very long message that goes on and on about the amount').length).toBeLessThanOrEqual(40);
  });

  it('inserts a field name into the condition with a space where needed', () => {
    expect(insertIntoCondition('', 'amount')).toBe('amount');
    expect(insertIntoCondition('amount >', 'discount')).toBe('amount > discount');
    expect(insertIntoCondition('ISBLANK(', 'reason')).toBe('ISBLANK(reason');
  });
});

describe('server errors of a rule list', () => {
  it('puts the edited rule’s errors on its inputs and everything else above the form', () => {
    const mapped = ruleErrors(
      [
        { field: 'validation_rules.2.condition', message: 'Unknown field nope' },
        { field: 'validation_rules.2.message.en', message: 'Too long' },
        { field: 'validation_rules.0.name', message: 'Name taken' },
        { field: 'validation_rules', message: 'Invalid list' },
        { field: null, message: 'Broken' },
      ],
      'validation_rules',
      2,
      { condition: 'condition', message: 'message_en', name: 'name' },
    );
    expect(mapped.fields).toEqual([
      { name: 'condition', errors: ['Unknown field nope'] },
      { name: 'message_en', errors: ['Too long'] },
    ]);
    expect(mapped.general).toEqual(['validation_rules.0.name: Name taken', 'Invalid list', 'Broken']);
  });

  it('reads sharing rule errors the same way', () => {
    const mapped = ruleErrors(
      [{ field: 'sharing_rules.0.principal_id', message: 'No such department' }],
      'sharing_rules',
      0,
      { principal_id: 'principal' },
    );
    expect(mapped).toEqual({ fields: [{ name: 'principal', errors: ['No such department'] }], general: [] });
  });
});

import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../api/l2c';
import { actionBody, actionFields } from './actionForm';

// The input of marketing's send_sms action, as pydantic writes it.
const SEND_SMS: JsonSchema = {
  type: 'object',
  required: ['template'],
  properties: {
    template: { type: 'string', title: 'Template', pattern: '^[0-9a-f-]{36}$', 'x-keyi-lookup': 'sms_template' },
    request_key: { anyOf: [{ type: 'string', maxLength: 100 }, { type: 'null' }], default: null, title: 'Request Key', 'x-keyi-request-key': true },
  },
};

describe('action inputs naming a record or carrying a request key', () => {
  it('reads x-keyi-lookup as a record picker and x-keyi-request-key as a hidden key', () => {
    const fields = actionFields(SEND_SMS);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['template', 'record', true],
      ['request_key', 'request_key', false],
    ]);
    expect(fields[0].target).toBe('sms_template');
  });

  it('sends the picked record’s id', () => {
    const fields = actionFields(SEND_SMS);
    const id = '0190a0b0-0000-7000-8000-0000000000a1';
    expect(actionBody(fields, { template: { value: id, label: '活动邀请' } }, () => null)).toEqual({ template: id });
    expect(actionBody(fields, { template: id }, () => null)).toEqual({ template: id });
  });
});

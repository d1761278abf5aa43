import { act, render } from '@testing-library/react';
import { Form, type FormInstance } from 'antd';
import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import type { RecordData } from '../api/types';
import { DEFAULT_FORMAT } from '../lib/format';
import { opportunity } from '../test/fixtures';
import { applyFieldErrors, dirtyFields, errorBanner, formFields, toFormValues, toPayload } from './recordForm';
import { translate } from '../i18n';

const fmt = { ...DEFAULT_FORMAT, lang: 'en', locale: 'en-US' };
const rec: RecordData = {
  id: 'o1',
  version: 2,
  name: 'ERP',
  account: 'a1',
  stage: 'prospecting',
  amount: 100,
  amount_currency: 'CNY',
  probability: null,
  close_date: '2024-05-01',
  tags: [],
  is_key: false,
  next_call: null,
  code: 'OPP-1',
  weighted: 0,
  _display: { account: 'Huawei' },
};

describe('record form helpers', () => {
  it('lists business fields; create leaves out computed ones', () => {
    const create = formFields(opportunity, 'create').map((f) => f.name);
    expect(create).not.toContain('code');
    expect(create).not.toContain('weighted');
    expect(create).not.toContain('owner_id');
    expect(create).not.toContain('created_at');
    expect(formFields(opportunity, 'edit').map((f) => f.name)).toContain('code');
  });

  it('sends only changed fields on edit', () => {
    const values = toFormValues(opportunity, rec, fmt, 'edit');
    expect(toPayload(opportunity, values, fmt, 'edit', rec)).toEqual({});
    values.stage = 'won';
    values.amount = { amount: 250, currency: 'CNY' };
    values.close_date = dayjs('2024-06-30');
    values.account = { value: 'a2', label: 'ZTE' };
    expect(toPayload(opportunity, values, fmt, 'edit', rec)).toEqual({
      stage: 'won',
      amount: 250,
      close_date: '2024-06-30',
      account: 'a2',
    });
  });

  it('create sends filled fields only, with prefilled lookups', () => {
    const values = toFormValues(opportunity, { id: '', account: 'a1', _display: { account: 'Huawei' } }, fmt, 'create');
    expect(values.account).toEqual({ value: 'a1', label: 'Huawei' });
    values.name = 'New deal';
    values.amount = { amount: 5, currency: 'USD' };
    expect(toPayload(opportunity, values, fmt, 'create')).toEqual({
      name: 'New deal',
      account: 'a1',
      amount: 5,
      amount_currency: 'USD',
      is_key: false,
    });
  });

  it('finds the user-edited fields (kept across a 412 reload)', () => {
    const values = toFormValues(opportunity, rec, fmt, 'edit');
    values.name = 'ERP v2';
    expect(dirtyFields(opportunity, values, fmt, rec)).toEqual(['name']);
  });

  it('puts server field errors next to fields and returns the rest', () => {
    let form!: FormInstance;
    function Harness() {
      const [f] = Form.useForm();
      form = f;
      return (
        <Form form={f}>
          <Form.Item name="amount"><input /></Form.Item>
          <Form.Item name="stage"><input /></Form.Item>
        </Form>
      );
    }
    render(<Harness />);
    const err = new ApiError(422, {
      status: 422,
      errors: [
        { field: 'amount_currency', code: 'invalid_currency', message: 'bad currency' },
        { field: 'stage', code: 'invalid_option', message: 'bad stage' },
        { field: null, code: 'rule', message: 'Close date must be after today' },
      ],
    });
    let rest: string[] = [];
    act(() => {
      rest = applyFieldErrors(form, err, ['amount', 'stage']);
    });
    expect(form.getFieldError('amount')).toEqual(['bad currency']);
    expect(form.getFieldError('stage')).toEqual(['bad stage']);
    expect(rest).toEqual(['Close date must be after today']);
    const t = (k: Parameters<typeof translate>[1]) => translate('en', k);
    expect(errorBanner(err, [], t)).toEqual(['Please correct the highlighted fields.']);
    expect(errorBanner(new ApiError(500, { status: 500, detail: 'boom' }), [], t)).toEqual(['boom']);
  });
});

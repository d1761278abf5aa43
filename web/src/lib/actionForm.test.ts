import dayjs from 'dayjs';
import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '../api/l2c';
import { actionBody, actionFields, returnedRecord } from './actionForm';

/** Shapes as pydantic v2's model_json_schema writes them. */
const CREATE_CONTRACT: JsonSchema = {
  title: 'CreateContract',
  type: 'object',
  properties: {
    start_date: { title: 'Start Date', type: 'string', format: 'date' },
    end_date: { title: 'End Date', type: 'string', format: 'date' },
    name: { anyOf: [{ type: 'string', maxLength: 200 }, { type: 'null' }], default: null, title: 'Name' },
  },
  required: ['start_date', 'end_date'],
};
const INSTALLMENTS: JsonSchema = {
  $defs: {
    Installment: {
      type: 'object',
      title: 'Installment',
      properties: {
        due_date: { type: 'string', format: 'date', title: 'Due Date' },
        percent: { anyOf: [{ type: 'number' }, { type: 'string', pattern: '^-?\\d+(\\.\\d+)?$' }, { type: 'null' }], default: null, title: 'Percent' },
      },
      required: ['due_date'],
    },
    Mode: { enum: ['percent', 'amount'], title: 'Mode', type: 'string' },
  },
  type: 'object',
  properties: {
    mode: { $ref: '#/$defs/Mode' },
    installments: { type: 'array', items: { $ref: '#/$defs/Installment' }, title: 'Installments' },
    count: { type: 'integer', title: 'Count', default: 2 },
    notify: { type: 'boolean', title: 'Notify' },
  },
  required: ['mode', 'installments'],
};

describe('action forms', () => {
  it('turns a pydantic schema into form fields (dates, optional text)', () => {
    expect(actionFields(CREATE_CONTRACT)).toEqual([
      { name: 'start_date', label: 'Start Date', kind: 'date', required: true, description: undefined },
      { name: 'end_date', label: 'End Date', kind: 'date', required: true, description: undefined },
      { name: 'name', label: 'Name', kind: 'text', required: false, description: undefined },
    ]);
    expect(actionFields({ type: 'object', properties: { reason: { type: 'string', title: 'Reason' } }, required: ['reason'] })[0].kind).toBe('long_text');
    expect(actionFields(null)).toEqual([]);
  });

  it('resolves $refs, enums, lists of objects, decimals, integers and booleans', () => {
    const fields = actionFields(INSTALLMENTS);
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['mode', 'enum', true],
      ['installments', 'list', true],
      ['count', 'integer', false],
      ['notify', 'boolean', false],
    ]);
    expect(fields[0].options).toEqual(['percent', 'amount']);
    expect(fields[2].default).toBe(2);
    expect(fields[1].item?.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['due_date', 'date', true],
      ['percent', 'decimal', false],
    ]);
  });

  it('writes the body: dates as days, decimals as exact strings, empty values left out', () => {
    const toDate = (v: unknown) => dayjs.isDayjs(v) ? v.format('YYYY-MM-DD') : null;
    const fields = actionFields(INSTALLMENTS);
    const body = actionBody(
      fields,
      {
        mode: 'percent',
        installments: [
          { due_date: dayjs('2027-01-31'), percent: ' 33.34 ' },
          { due_date: dayjs('2027-06-30'), percent: '66.66' },
        ],
        count: 2,
        notify: undefined,
      },
      toDate,
    );
    expect(body).toEqual({
      mode: 'percent',
      installments: [
        { due_date: '2027-01-31', percent: '33.34' },
        { due_date: '2027-06-30', percent: '66.66' },
      ],
      count: 2,
    });
    expect(actionBody(actionFields(CREATE_CONTRACT), { start_date: dayjs('2027-01-01'), end_date: dayjs('2027-12-31'), name: '' }, toDate)).toEqual({
      start_date: '2027-01-01',
      end_date: '2027-12-31',
    });
  });

  it('finds the record an action created in its answer', () => {
    const objects = new Set(['quote', 'contract', 'order']);
    const has = (k: string) => (objects.has(k) ? k : null);
    expect(returnedRecord({ quote_id: 'q2' }, has)).toEqual({ object: 'quote', id: 'q2' });
    expect(returnedRecord({ status: 'ok', contract_id: 'c1' }, has)).toEqual({ object: 'contract', id: 'c1' });
    expect(returnedRecord({ plan_ids: ['p1'] }, has)).toBeNull();
    expect(returnedRecord({ approval_id: 'a1' }, has)).toBeNull();
    expect(returnedRecord(null, has)).toBeNull();
  });
});

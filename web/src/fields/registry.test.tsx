import { fireEvent, screen } from '@testing-library/react';
import dayjs from 'dayjs';
import { Form } from 'antd';
import { describe, expect, it } from 'vitest';
import { FIELD_TYPES, type FieldMeta, type RecordData } from '../api/types';
import { DEFAULT_FORMAT, type FormatSettings } from '../lib/format';
import { field, opportunity } from '../test/fixtures';
import { renderFieldInput } from '../test/fieldInput';
import { renderWith } from '../test/render';
import { dateTimeFromForm, dateTimeToForm, FIELD_REGISTRY, FieldDisplay, FieldInput, isNumericField, specFor } from './registry';
import { displayText } from './text';

const fmt: FormatSettings = { ...DEFAULT_FORMAT, lang: 'en', locale: 'en-US', currency: 'CNY', timeZone: 'Asia/Shanghai' };
const f = (name: string) => opportunity.fields.find((x) => x.name === name)!;

const record: RecordData = {
  id: 'o1',
  version: 3,
  name: 'ERP rollout',
  account: 'a1',
  stage: 'won',
  amount: 1234567.5,
  amount_currency: 'USD',
  probability: 40,
  close_date: '2024-05-01',
  tags: ['won', 'lost'],
  is_key: true,
  next_call: '2024-05-01T02:30:00Z',
  code: 'OPP-0001',
  weighted: 493827,
  owner_id: 'u1',
  _display: { account: '华为技术有限公司', owner_id: '张伟' },
};

/** One sample field of every type. */
const SAMPLES: Record<string, { field: FieldMeta; value: unknown; text: string }> = {
  text: { field: field('t', 'text'), value: 'hello', text: 'hello' },
  long_text: { field: field('lt', 'long_text'), value: 'line1\nline2', text: 'line1\nline2' },
  integer: { field: field('i', 'integer'), value: 12345, text: '12,345' },
  decimal: { field: field('d', 'decimal', { scale: 2 }), value: 3.14159, text: '3.14' },
  currency: { field: field('c', 'currency'), value: 99.5, text: 'CN¥99.50' },
  percent: { field: field('p', 'percent'), value: 25, text: '25%' },
  boolean: { field: field('b', 'boolean'), value: true, text: 'Yes' },
  date: { field: field('dt', 'date'), value: '2024-05-01', text: 'May 1, 2024' },
  datetime: { field: field('dtt', 'datetime'), value: '2024-05-01T02:30:00Z', text: 'May 1, 2024, 10:30' },
  email: { field: field('e', 'email'), value: 'a@b.cn', text: 'a@b.cn' },
  phone: { field: field('ph', 'phone'), value: '+86 10 1234', text: '+86 10 1234' },
  url: { field: field('u', 'url'), value: 'https://keyi.example', text: 'https://keyi.example' },
  picklist: { field: f('stage'), value: 'won', text: 'Closed won' },
  multi_picklist: { field: f('tags'), value: ['won', 'lost'], text: 'Closed won, Closed lost' },
  lookup: { field: f('account'), value: 'a1', text: '华为技术有限公司' },
  master_detail: { field: field('md', 'master_detail', { target: 'account' }), value: 'a1', text: 'HQ' },
  owner: { field: field('owner_id', 'owner', { target: 'user' }), value: 'u1', text: '张伟' },
  auto_number: { field: f('code'), value: 'OPP-0001', text: 'OPP-0001' },
  formula: { field: f('weighted'), value: 10, text: 'CN¥10.00' },
  rollup: { field: field('r', 'rollup'), value: 7, text: '7' },
};

describe('field registry', () => {
  it('has a display, an input and conversions for every field type', () => {
    for (const t of FIELD_TYPES) {
      const spec = FIELD_REGISTRY[t];
      expect(spec, t).toBeDefined();
      expect(typeof spec.Display, t).toBe('function');
      expect(spec.Input, t).toBeTruthy();
      expect(typeof spec.toForm, t).toBe('function');
      expect(typeof spec.fromForm, t).toBe('function');
      expect(SAMPLES[t], `sample for ${t}`).toBeDefined();
    }
  });

  it.each(FIELD_TYPES.map((t) => [t]))('formats %s values as text', (t) => {
    const s = SAMPLES[t];
    const rec: RecordData = { id: 'x', [s.field.name]: s.value, _display: { md: 'HQ', account: '华为技术有限公司', owner_id: '张伟' } };
    expect(displayText(s.field, rec, fmt, 'en').replace(/\u202f|\u00a0/g, ' ')).toBe(s.text);
  });

  it.each(FIELD_TYPES.map((t) => [t]))('renders the %s display component', (t) => {
    const s = SAMPLES[t];
    const rec: RecordData = { id: 'x', [s.field.name]: s.value, _display: { md: 'HQ', account: '华为技术有限公司', owner_id: '张伟' } };
    const { container } = renderWith(<FieldDisplay field={s.field} record={rec} />);
    expect(container.textContent?.length).toBeGreaterThan(0);
  });

  it('renders empty values as a dash', () => {
    const { container } = renderWith(<FieldDisplay field={field('t', 'text')} record={{ id: 'x' }} />);
    expect(container.textContent).toBe('—');
  });

  it('links lookups to the target record with the _display title', () => {
    renderWith(<FieldDisplay field={f('account')} record={record} />);
    const a = screen.getByText('华为技术有限公司').closest('a')!;
    expect(a.getAttribute('href')).toBe('/o/account/a1');
  });

  it('shows picklist labels in the current language', () => {
    renderWith(<FieldDisplay field={f('stage')} record={record} />, { lang: 'zh-CN' });
    expect(screen.getByText('赢单')).toBeTruthy();
  });

  it.each(FIELD_TYPES.map((t) => [t]))('renders the %s input component inside a form', (t) => {
    const s = SAMPLES[t];
    const spec = specFor(s.field);
    const rec: RecordData = { id: 'x', [s.field.name]: s.value };
    function Harness() {
      const [form] = Form.useForm();
      return (
        <Form form={form} initialValues={{ [s.field.name]: spec.toForm(rec, s.field, fmt) }}>
          <Form.Item name={s.field.name} valuePropName={spec.valueProp ?? 'value'} label={s.field.name}>
            <FieldInput field={s.field} record={rec} />
          </Form.Item>
        </Form>
      );
    }
    const { container } = renderWith(<Harness />);
    expect(container.querySelector('input, textarea, button[role="switch"]'), t).toBeTruthy();
  });

  it('computed fields render disabled inputs', () => {
    const { container } = renderWith(<FieldInput field={f('code')} />);
    expect((container.querySelector('input') as HTMLInputElement).disabled).toBe(true);
  });

  it('text input reports changes', () => {
    let v: unknown;
    renderWith(<FieldInput field={field('t', 'text')} value="a" onChange={(x) => (v = x)} />);
    fireEvent.change(screen.getByDisplayValue('a'), { target: { value: 'ab' } });
    expect(v).toBe('ab');
  });

  it('right-aligns numbers', () => {
    expect(isNumericField(f('amount'))).toBe(true);
    expect(isNumericField(f('weighted'))).toBe(true);
    expect(isNumericField(f('name'))).toBe(false);
  });
});

describe('form conversions', () => {
  it('currency travels as amount + <field>_currency', () => {
    const spec = specFor(f('amount'));
    const v = spec.toForm(record, f('amount'), fmt);
    expect(v).toEqual({ amount: 1234567.5, currency: 'USD' });
    expect(spec.fromForm({ amount: 10, currency: 'CNY' }, f('amount'), fmt)).toEqual({ amount: 10, amount_currency: 'CNY' });
    expect(spec.toForm({ id: 'n' }, f('amount'), fmt)).toEqual({ amount: null, currency: 'CNY' });
  });
  it('dates travel as YYYY-MM-DD', () => {
    const spec = specFor(f('close_date'));
    const v = spec.toForm(record, f('close_date'), fmt) as dayjs.Dayjs;
    expect(v.format('YYYY-MM-DD')).toBe('2024-05-01');
    expect(spec.fromForm(dayjs('2024-12-31'), f('close_date'), fmt)).toEqual({ close_date: '2024-12-31' });
    expect(spec.fromForm(null, f('close_date'), fmt)).toEqual({ close_date: null });
  });
  it('datetimes are edited in the tenant time zone and sent as UTC', () => {
    const v = dateTimeToForm('2024-05-01T02:30:00Z', 'Asia/Shanghai')!;
    expect(v.format('YYYY-MM-DD HH:mm')).toBe('2024-05-01 10:30');
    expect(dateTimeFromForm(v, 'Asia/Shanghai')).toBe('2024-05-01T02:30:00Z');
    expect(dateTimeFromForm(dayjs('2024-07-01 09:00'), 'America/New_York')).toBe('2024-07-01T13:00:00Z');
  });
  it('lookups are {value,label} in the form and ids on the wire', () => {
    const spec = specFor(f('account'));
    expect(spec.toForm(record, f('account'), fmt)).toEqual({ value: 'a1', label: '华为技术有限公司' });
    expect(spec.fromForm({ value: 'a2', label: 'x' }, f('account'), fmt)).toEqual({ account: 'a2' });
    expect(spec.fromForm(null, f('account'), fmt)).toEqual({ account: null });
  });
  it('multi-picklists are arrays', () => {
    const spec = specFor(f('tags'));
    expect(spec.toForm(record, f('tags'), fmt)).toEqual(['won', 'lost']);
    expect(spec.fromForm(undefined, f('tags'), fmt)).toEqual({ tags: [] });
  });
  it('text is trimmed and blank becomes null; computed fields are never sent', () => {
    expect(specFor(f('name')).fromForm('  x ', f('name'), fmt)).toEqual({ name: 'x' });
    expect(specFor(f('name')).fromForm('   ', f('name'), fmt)).toEqual({ name: null });
    expect(specFor(f('code')).fromForm('OPP-9', f('code'), fmt)).toEqual({});
  });
});

describe('text fields with server-listed options', () => {
  const objectField = field('object_name', 'text', {
    required: true,
    options: [
      { value: 'account', labels: { en: 'Account', 'zh-CN': '客户' } },
      { value: 'lead', labels: { en: 'Lead', 'zh-CN': '线索' } },
    ],
  });
  it('are chosen from a select of the options and shown by their labels', () => {
    expect(specFor(objectField)).toBe(FIELD_REGISTRY.picklist);
    expect(specFor(field('t', 'text'))).toBe(FIELD_REGISTRY.text);
    renderFieldInput(objectField, { lang: 'zh-CN' });
    expect(document.querySelector('.ant-select')).toBeTruthy();
    expect(document.querySelector('input[type=text]:not([role=combobox])')).toBeNull();
    renderWith(<FieldDisplay field={objectField} record={{ id: 'p1', object_name: 'account' }} />, { lang: 'zh-CN' });
    expect(screen.getByText('客户')).toBeTruthy();
  });
});

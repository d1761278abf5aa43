import { fireEvent, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RecordAction } from '../../api/l2c';
import { stubApi, type Sent } from '../../test/fetch';
import { L2C_OBJECTS } from '../../test/l2c';
import { renderWith } from '../../test/render';
import { primaryActions, RecordActions, useRecordActions, visibleActions } from './RecordActions';

afterEach(() => vi.unstubAllGlobals());

const ACTIONS: RecordAction[] = [
  { name: 'new_version', label: '新版本', method: 'POST', available: true, menu: true, media_type: null, input_schema: null },
  {
    name: 'create_contract',
    label: '生成合同',
    method: 'POST',
    available: true,
    menu: true,
    media_type: null,
    input_schema: {
      type: 'object',
      properties: { start_date: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }], title: 'Start Date' }, name: { type: 'string', title: 'Name' } },
      required: ['name'],
    },
  },
  { name: 'accept', label: '客户接受', method: 'POST', available: false, menu: true, media_type: null, input_schema: null },
  { name: 'pdf', label: 'PDF', method: 'GET', available: true, menu: true, media_type: 'application/pdf', input_schema: null },
  { name: 'internal', label: 'API only', method: 'POST', available: true, menu: false, media_type: null, input_schema: null },
  { name: 'conversion_matches', label: 'Matches', method: 'GET', available: true, menu: true, media_type: null, input_schema: null },
];

function Harness({ onDone }: { onDone: (answer: unknown, created: { object: string; id: string } | null) => void }) {
  const [version] = useState(1);
  const actions = useRecordActions('quote', 'Q1', version);
  return <RecordActions object="quote" id="Q1" actions={actions} maxButtons={1} onDone={onDone} isObject={(n) => ['quote', 'contract'].includes(n)} />;
}

describe('RecordActions', () => {
  it('hides API-only actions and JSON reads', () => {
    expect(visibleActions(ACTIONS).map((a) => a.name)).toEqual(['new_version', 'create_contract', 'accept', 'pdf']);
    expect(visibleActions(ACTIONS, ['pdf']).map((a) => a.name)).toEqual(['new_version', 'create_contract', 'accept']);
    // Next steps of the deal as buttons, in deal order, whatever order the server lists them in.
    const listed: RecordAction[] = ['accept', 'create_order', 'mark_sent', 'submit', 'create_contract'].map((name) => ({ name, label: name, method: 'POST', available: true, menu: true }));
    expect(primaryActions(listed, 2).map((a) => a.name)).toEqual(['submit', 'create_contract']);
  });

  it('runs an action without input at once and follows the record it created', async () => {
    const sent = stubApi((s: Sent) => (s.url.endsWith('/actions') ? { items: ACTIONS } : { quote_id: 'Q2' }));
    const onDone = vi.fn();
    renderWith(<Harness onDone={onDone} />, { objects: L2C_OBJECTS });
    fireEvent.click(await screen.findByTestId('record-actions'));
    fireEvent.click(await screen.findByTestId('action-new_version'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ quote_id: 'Q2' }, { object: 'quote', id: 'Q2' }));
    expect(sent.find((s) => s.method === 'POST')?.url).toBe('/api/v1/records/quote/Q1/new_version');
    expect(screen.queryByTestId('action-internal')).toBeNull();
  });

  it('asks for an action input in a form generated from its schema, shows the server field errors, then runs it', async () => {
    let attempts = 0;
    const sent = stubApi(
      (s: Sent) => {
        if (s.url.endsWith('/actions')) return { items: ACTIONS };
        attempts += 1;
        return attempts === 1
          ? { status: 422, title: 'Invalid', errors: [{ field: 'name', code: 'duplicate', message: 'A contract of this name exists.' }] }
          : { contract_id: 'C9' };
      },
      (s: Sent) => (s.method === 'POST' && attempts === 1 ? 422 : 200),
    );
    const onDone = vi.fn();
    renderWith(<Harness onDone={onDone} />, { objects: L2C_OBJECTS });
    // The next step is a button; the other actions are in the menu, the unavailable one disabled.
    fireEvent.click(await screen.findByTestId('record-actions'));
    expect((await screen.findByTestId('action-accept')).closest('li')?.getAttribute('aria-disabled')).toBe('true');
    expect(screen.getByTestId('action-create_contract').tagName).toBe('BUTTON');
    fireEvent.click(screen.getByTestId('action-create_contract'));

    expect(await screen.findByText('Start date')).toBeTruthy();
    // Required inputs are checked before anything is sent.
    fireEvent.click(screen.getByTestId('action-submit'));
    expect(await screen.findByText('Enter Name')).toBeTruthy();
    expect(sent.filter((s) => s.method === 'POST')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('action-form').querySelector('input#name') as Element, { target: { value: '年度框架合同' } });
    fireEvent.click(screen.getByTestId('action-submit'));
    expect(await screen.findByText('A contract of this name exists.')).toBeTruthy();
    expect(sent.find((s) => s.method === 'POST')?.body).toEqual({ name: '年度框架合同' });

    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ contract_id: 'C9' }, { object: 'contract', id: 'C9' }));
  });

  it.each([
    ['zh-CN', '开具发票', '作废', '发票号码', '开票日期', '请填写发票号码'],
    ['en', 'Issue', 'Void', 'Tax invoice number', 'Issued on', 'Enter Tax invoice number'],
  ] as const)('offers an invoice\'s issue and void steps in %s, with the issue form in that language', async (lang, issue, voidLabel, number, date, missing) => {
    // As the server answers in the request's language (the labels of keyi.packages.l2c.actions).
    const items: RecordAction[] = [
      {
        name: 'issue',
        label: issue,
        method: 'POST',
        available: true,
        menu: true,
        media_type: null,
        input_schema: {
          type: 'object',
          properties: {
            tax_invoice_number: { type: 'string', title: 'Tax Invoice Number', maxLength: 40 },
            issued_on: { anyOf: [{ type: 'string', format: 'date' }, { type: 'null' }], default: null, title: 'Issued On' },
          },
          required: ['tax_invoice_number'],
        },
      },
      {
        name: 'void',
        label: voidLabel,
        method: 'POST',
        available: true,
        menu: true,
        media_type: null,
        input_schema: { type: 'object', properties: { reason: { type: 'string', title: 'Reason', maxLength: 500 } }, required: ['reason'] },
      },
    ];
    const sent = stubApi((s: Sent) => (s.url.endsWith('/actions') ? { items } : { status: 'issued' }));
    const onDone = vi.fn();
    function InvoiceHarness() {
      const actions = useRecordActions('invoice', 'I1');
      return <RecordActions object="invoice" id="I1" actions={actions} onDone={onDone} isObject={(n) => n === 'invoice'} />;
    }
    renderWith(<InvoiceHarness />, { objects: L2C_OBJECTS, lang });
    // Issuing is the invoice's next step: a button; voiding is in the menu.
    const button = await screen.findByTestId('action-issue');
    expect(button.tagName).toBe('BUTTON');
    expect(button.textContent).toContain(issue);
    fireEvent.click(screen.getByTestId('record-actions'));
    expect((await screen.findByTestId('action-void')).textContent).toBe(voidLabel);

    fireEvent.click(button);
    expect(await screen.findByText(number)).toBeTruthy();
    expect(screen.getByText(date)).toBeTruthy();
    fireEvent.click(screen.getByTestId('action-submit'));
    expect(await screen.findByText(missing)).toBeTruthy();
    fireEvent.change(screen.getByTestId('action-form').querySelector('input#tax_invoice_number') as Element, { target: { value: '24312000000012345678' } });
    fireEvent.click(screen.getByTestId('action-submit'));
    await waitFor(() => expect(onDone).toHaveBeenCalledWith({ status: 'issued' }, null));
    const post = sent.find((s) => s.method === 'POST');
    expect(post?.url).toBe('/api/v1/records/invoice/I1/issue');
    expect(post?.body).toEqual({ tax_invoice_number: '24312000000012345678' });
  });
});

import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import ExpenseReceipts, { fileToBase64 } from './ExpenseReceipts';

afterEach(() => vi.unstubAllGlobals());

const KEPT = { id: 'F1', filename: '展位发票.pdf', content_type: 'application/pdf', size: 20480, created_at: '2026-12-07T01:00:00Z' };

describe('ExpenseReceipts', () => {
  it('lists the receipts and attaches a PDF as base64', async () => {
    const sent = stubApi((s: Sent) => {
      if (s.url.endsWith('/receipts')) return { items: [KEPT] };
      if (s.url.endsWith('/attach_receipt')) return { items: [KEPT, { ...KEPT, id: 'F2', filename: s.body.filename }] };
      return {};
    });
    renderWith(<ExpenseReceipts record={{ id: 'E1', version: 1 }} canEdit />);
    expect(await screen.findByText('展位发票.pdf')).toBeTruthy();
    expect(screen.getByText('20 KB')).toBeTruthy();
    const file = new File(['%PDF-1.4 x'], '餐饮.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByTestId('expense-receipt-input'), { target: { files: [file] } });
    expect(await screen.findByText('餐饮.pdf')).toBeTruthy();
    const upload = sent.find((s) => s.url.endsWith('/attach_receipt'));
    expect(upload?.url).toBe('/api/v1/records/marketing_expense/E1/attach_receipt');
    expect(upload?.body).toEqual({ filename: '餐饮.pdf', content_type: 'application/pdf', data: btoa('%PDF-1.4 x') });
  });

  it('refuses another type before sending it, and reads in Chinese', async () => {
    const sent = stubApi(() => ({ items: [] }));
    renderWith(<ExpenseReceipts record={{ id: 'E1', version: 1 }} canEdit />, { lang: 'zh-CN' });
    expect(await screen.findByText('暂无票据')).toBeTruthy();
    const file = new File(['MZ'], 'tool.exe', { type: 'application/x-msdownload' });
    fireEvent.change(screen.getByTestId('expense-receipt-input'), { target: { files: [file] } });
    expect(await screen.findByText('票据须为不超过 5 MB 的 PDF、PNG 或 JPEG 文件。')).toBeTruthy();
    await waitFor(() => expect(sent.filter((s) => s.url.endsWith('/attach_receipt'))).toHaveLength(0));
  });

  it('offers no upload to a reader who cannot edit the expense', async () => {
    stubApi(() => ({ items: [] }));
    renderWith(<ExpenseReceipts record={{ id: 'E1', version: 1 }} canEdit={false} />);
    expect(await screen.findByText('No receipts yet')).toBeTruthy();
    expect(screen.queryByTestId('expense-receipt-input')).toBeNull();
  });

  it('encodes bytes as base64', async () => {
    expect(await fileToBase64(new Blob([new Uint8Array([0, 255, 16])]))).toBe('AP8Q');
  });
});

import { fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App as AntApp } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { I18nProvider } from '../i18n';
import { StaticMetadataProvider } from '../state/metadata';
import { SessionProvider } from '../state/session';
import { stubApi, type Sent } from '../test/fetch';
import { L2C_OBJECTS } from '../test/l2c';
import RecordPage from './RecordPage';

afterEach(() => vi.unstubAllGlobals());

const ME = { user: { id: 'u1', name: '李雷', email: 'li@example.com', is_admin: true }, tenant: { name: 'acme', currency: 'CNY' } };
const QUOTE = { id: 'Q1', version: 2, name: '云帆报价', status: 'draft', opportunity: 'O1', price_book: 'B1', currency: 'CNY', _display: { opportunity: '云帆 CRM' } };
const LEAD = { id: 'L1', version: 3, name: '王伟', status: 'converted', converted_account: 'A1', converted_opportunity: 'O7', _display: { converted_account: '云帆科技', converted_opportunity: '云帆 CRM' } };

function renderAt(path: string) {
  return render(
    <I18nProvider initial="en">
      <AntApp>
        <SessionProvider>
          <StaticMetadataProvider objects={L2C_OBJECTS}>
            <MemoryRouter initialEntries={[path]}>
              <Routes>
                <Route path="/o/:object/:id" element={<RecordPage />} />
                <Route path="/o/lead/:id/convert" element={<div data-testid="convert-page" />} />
              </Routes>
            </MemoryRouter>
          </StaticMetadataProvider>
        </SessionProvider>
      </AntApp>
    </I18nProvider>,
  );
}

function server(actions: unknown[], lead: Record<string, unknown> = LEAD) {
  return stubApi((s: Sent) => {
    if (s.url === '/api/v1/me') return ME;
    if (s.url === '/api/v1/records/quote/Q1') return QUOTE;
    if (s.url === '/api/v1/records/lead/L1') return lead;
    if (s.url.endsWith('/actions')) return { items: actions };
    if (s.url.endsWith('/approvals')) return { approvals: [] };
    if (s.url.includes('/aggregate')) return { groups: [{ key: {}, values: { count: 1 } }] };
    if (s.url.endsWith('/history')) return { entries: [] };
    if (s.url === '/api/v1/records/opportunity/O1') return { id: 'O1', name: '云帆 CRM' };
    if (s.url.startsWith('/api/v1/records/quote/query')) return { records: [{ id: 'Q1', name: '云帆报价', status: 'draft' }], next_cursor: null };
    return { records: [], next_cursor: null };
  });
}

describe('RecordPage with lead-to-cash', () => {
  it('a quote shows its chain, its next step as a button instead of the generic approval, and the line-item editor as a tab', async () => {
    server([
      { name: 'accept', label: 'Customer accepted', method: 'POST', available: true, menu: true },
      { name: 'submit', label: 'Submit for approval', method: 'POST', available: true, menu: true },
    ]);
    renderAt('/o/quote/Q1');
    expect((await screen.findByTestId('record-title')).textContent).toBe('云帆报价');
    expect(await screen.findByTestId('action-submit')).toBeTruthy();
    expect(screen.queryByTestId('record-submit-approval')).toBeNull();
    const chain = await screen.findByTestId('deal-chain');
    expect(within(chain).getByTestId('chain-quote').textContent).toContain('draft');

    fireEvent.click(screen.getByTestId('record-lines-tab'));
    expect(await screen.findByTestId('line-items')).toBeTruthy();
    expect(screen.queryByTestId('related-quote_line-quote')).toBeNull();
  });

  it('a converted lead links to what it became and offers no conversion', async () => {
    server([]);
    renderAt('/o/lead/L1');
    const banner = await screen.findByTestId('lead-converted');
    expect(within(banner).getByText('云帆科技').closest('a')?.getAttribute('href')).toBe('/o/account/A1');
    expect(within(banner).getByText('云帆 CRM').closest('a')?.getAttribute('href')).toBe('/o/opportunity/O7');
    await waitFor(() => expect(screen.queryByTestId('lead-convert')).toBeNull());
  });

  it('an open lead has a Convert button leading to the conversion screen', async () => {
    server([], { ...LEAD, status: 'qualified', converted_account: null, converted_opportunity: null });
    renderAt('/o/lead/L1');
    fireEvent.click(await screen.findByTestId('lead-convert'));
    expect(await screen.findByTestId('convert-page')).toBeTruthy();
  });
});

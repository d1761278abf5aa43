import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App as AntApp } from 'antd';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { I18nProvider } from '../i18n';
import { StaticMetadataProvider } from '../state/metadata';
import { SessionProvider } from '../state/session';
import { stubApi, type Sent } from '../test/fetch';
import { field } from '../test/fixtures';
import RecordPage from './RecordPage';

afterEach(() => vi.unstubAllGlobals());

const ME = { user: { id: 'u1', name: '李雷', email: 'li@example.com', is_admin: true }, tenant: { name: 'acme', currency: 'CNY' } };
const CASE_META: ObjectMeta = {
  name: 'case',
  labels: { en: 'Case', 'zh-CN': '工单' },
  plural_labels: { en: 'Cases', 'zh-CN': '工单' },
  name_field: 'subject',
  package: 'service',
  features: { activities: false },
  permissions: { read: true, create: true, edit: true, delete: true },
  fields: [field('id', 'text', { read_only: true }), field('version', 'integer', { read_only: true }), field('subject', 'text'), field('status', 'text')],
} as ObjectMeta;
const CASE = { id: 'C1', version: 3, subject: '打印机卡纸', status: 'resolved' };

describe('RecordPage of a case', () => {
  it('has the conversation as a tab, with the buttons of its status', async () => {
    const sent = stubApi((s: Sent) => {
      if (s.url === '/api/v1/me') return ME;
      if (s.url === '/api/v1/records/case/C1') return CASE;
      if (s.url.startsWith('/api/v1/service/cases/C1/messages')) {
        return { records: [{ id: 'M1', case: 'C1', summary: '', body: '已更换硒鼓', visibility: 'public', direction: 'outbound', created_at: '2026-12-07T01:00:00Z', created_by: 'u1' }], next_cursor: null };
      }
      if (s.url.startsWith('/api/v1/service/cases/C1/suggested_articles')) return { results: [], terms: [] };
      if (s.url.endsWith('/actions')) return { items: [] };
      if (s.url.endsWith('/approvals')) return { approvals: [] };
      if (s.url.endsWith('/history')) return { entries: [] };
      return { records: [], next_cursor: null };
    });
    render(
      <I18nProvider initial="en">
        <AntApp>
          <SessionProvider>
            <StaticMetadataProvider objects={[CASE_META]}>
              <MemoryRouter initialEntries={['/o/case/C1']}>
                <Routes>
                  <Route path="/o/:object/:id" element={<RecordPage />} />
                </Routes>
              </MemoryRouter>
            </StaticMetadataProvider>
          </SessionProvider>
        </AntApp>
      </I18nProvider>,
    );
    fireEvent.click(await screen.findByTestId('record-thread-tab'));
    expect(await screen.findByText('已更换硒鼓')).toBeTruthy();
    // Resolved: it may be closed or reopened, not resolved again.
    expect(screen.getByTestId('case-reopen')).toBeTruthy();
    expect(screen.queryByTestId('case-resolve')).toBeNull();
    fireEvent.click(screen.getByTestId('case-reopen'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/case/C1/reopen')).toBe(true));
  });
});

import { render, screen } from '@testing-library/react';
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
const meta = (name: string, en: string, zh: string, fields: ObjectMeta['fields']): ObjectMeta =>
  ({
    name,
    labels: { en, 'zh-CN': zh },
    plural_labels: { en, 'zh-CN': zh },
    name_field: 'name',
    package: 'marketing',
    features: { activities: false },
    permissions: { read: true, create: true, edit: true, delete: true },
    fields: [field('id', 'text', { read_only: true }), field('version', 'integer', { read_only: true }), field('name', 'text'), ...fields],
  }) as ObjectMeta;
const CAMPAIGN = meta('campaign', 'Campaign', '市场活动', [field('budget', 'currency', { labels: { en: 'Budget', 'zh-CN': '预算' } }), field('roi', 'formula', { return_type: 'percent', labels: { en: 'ROI (%)', 'zh-CN': '投资回报率（%）' } })]);
const MEMBER = meta('campaign_member', 'Campaign member', '活动成员', [
  field('campaign', 'master_detail', { target: 'campaign' }),
  field('status', 'picklist', { options: [{ value: 'invited', labels: { en: 'Invited', 'zh-CN': '已邀请' } }, { value: 'converted', labels: { en: 'Converted', 'zh-CN': '已转化' } }] }),
]);

function page(object: ObjectMeta, id: string) {
  return render(
    <I18nProvider initial="en">
      <AntApp>
        <SessionProvider>
          <StaticMetadataProvider objects={[CAMPAIGN, MEMBER]}>
            <MemoryRouter initialEntries={[`/o/${object.name}/${id}`]}>
              <Routes>
                <Route path="/o/:object/:id" element={<RecordPage />} />
              </Routes>
            </MemoryRouter>
          </StaticMetadataProvider>
        </SessionProvider>
      </AntApp>
    </I18nProvider>,
  );
}

describe('RecordPage of a campaign', () => {
  it('shows the results strip and the member funnel above the details', async () => {
    stubApi((s: Sent) => {
      if (s.url === '/api/v1/me') return ME;
      if (s.url === '/api/v1/records/campaign/K1') return { id: 'K1', version: 1, name: '春季发布会', budget: 50000, roi: 25 };
      if (s.url === '/api/v1/records/campaign_member/aggregate') return { groups: [{ key: { status: 'converted' }, values: { count: 2 } }] };
      if (s.url.endsWith('/actions')) return { items: [] };
      if (s.url.endsWith('/approvals')) return { approvals: [] };
      if (s.url.endsWith('/history')) return { entries: [] };
      return { records: [], next_cursor: null };
    });
    page(CAMPAIGN, 'K1');
    expect(await screen.findByTestId('campaign-summary', {}, { timeout: 10000 })).toBeTruthy();
    expect((await screen.findByTestId('funnel-converted')).textContent).toContain('2 reached');
    expect(screen.getByTestId('campaign-summary-roi').textContent).toContain('25');
  });

  it('shows no campaign strip on a member page', async () => {
    stubApi((s: Sent) => {
      if (s.url === '/api/v1/me') return ME;
      if (s.url === '/api/v1/records/campaign_member/M1') return { id: 'M1', version: 1, name: '张伟', campaign: 'K1', status: 'invited' };
      if (s.url.endsWith('/actions')) return { items: [] };
      if (s.url.endsWith('/approvals')) return { approvals: [] };
      if (s.url.endsWith('/history')) return { entries: [] };
      return { records: [], next_cursor: null };
    });
    page(MEMBER, 'M1');
    expect((await screen.findAllByText('张伟')).length).toBeGreaterThan(0);
    expect(screen.queryByTestId('campaign-summary')).toBeNull();
  });
});

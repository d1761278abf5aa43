import { screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../../api/types';
import { stubApi } from '../../test/fetch';
import { field } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import CampaignSummary, { funnelStages } from './CampaignSummary';

afterEach(() => vi.unstubAllGlobals());

const labels = (en: string, zh: string) => ({ labels: { en, 'zh-CN': zh } });
const obj = (name: string, fields: ObjectMeta['fields']): ObjectMeta => ({
  name,
  labels: { en: name, 'zh-CN': name },
  name_field: 'name',
  package: 'marketing',
  permissions: { read: true, create: true, edit: true, delete: true },
  fields: [field('id', 'text', { read_only: true }), field('name', 'text'), ...fields],
});

const campaign = obj('campaign', [
  field('budget', 'currency', labels('Budget', '预算')),
  field('actual_cost', 'rollup', { ...labels('Actual cost', '实际花费'), return_type: 'currency' }),
  field('cost_per_lead', 'formula', { ...labels('Cost per lead', '单条线索成本'), return_type: 'currency' }),
  field('roi', 'formula', { ...labels('ROI (%)', '投资回报率（%）'), return_type: 'percent' }),
  field('won_amount', 'rollup', { ...labels('Won amount (first touch)', '赢单金额（首次触达）'), return_type: 'currency' }),
  field('member_count', 'rollup', { ...labels('Members', '成员数'), return_type: 'integer' }),
]);
const STATUSES: [string, string, string][] = [
  ['invited', 'Invited', '已邀请'],
  ['registered', 'Registered', '已报名'],
  ['attended', 'Attended', '已参加'],
  ['responded', 'Responded', '已响应'],
  ['converted', 'Converted', '已转化'],
];
const member = obj('campaign_member', [
  field('campaign', 'master_detail', { target: 'campaign' }),
  field('status', 'picklist', { options: STATUSES.map(([value, en, zh]) => ({ value, labels: { en, 'zh-CN': zh } })) }),
]);

const record = { id: 'C1', version: 2, name: '春季发布会', budget: 80000, actual_cost: 40000, cost_per_lead: 20000, roi: 150, won_amount: 100000, member_count: 6 };

function server(groups: { status: string; count: number }[]) {
  return stubApi(() => ({ groups: groups.map((g) => ({ key: { status: g.status }, values: { count: g.count } })) }));
}

describe('funnelStages', () => {
  it('counts a member at a later status as having reached the earlier ones', () => {
    expect(funnelStages({ invited: 2, attended: 1, converted: 3 })).toEqual([
      { status: 'invited', count: 2, reached: 6 },
      { status: 'registered', count: 0, reached: 4 },
      { status: 'attended', count: 1, reached: 4 },
      { status: 'responded', count: 0, reached: 3 },
      { status: 'converted', count: 3, reached: 3 },
    ]);
  });
});

describe('CampaignSummary', () => {
  it('shows the results strip and the funnel from one aggregate of the members', async () => {
    const sent = server([
      { status: 'invited', count: 2 },
      { status: 'registered', count: 1 },
      { status: 'converted', count: 3 },
    ]);
    renderWith(<CampaignSummary object={campaign} record={record} />, { objects: [campaign, member] });
    const strip = screen.getByTestId('campaign-summary');
    expect(within(strip).getByText('Campaign results')).toBeTruthy();
    expect(within(screen.getByTestId('campaign-summary-budget')).getByText('Budget')).toBeTruthy();
    expect(screen.getByTestId('campaign-summary-budget').textContent).toContain('80,000');
    expect(screen.getByTestId('campaign-summary-roi').textContent).toContain('150');
    expect(screen.getByTestId('campaign-summary-member_count').textContent).toContain('6');
    const converted = await screen.findByTestId('funnel-converted');
    expect(converted.textContent).toContain('Converted');
    expect(converted.textContent).toContain('3 reached');
    expect(screen.getByTestId('funnel-invited').textContent).toContain('6 reached');
    expect(screen.getByTestId('funnel-invited').textContent).toContain('2 at this status');
    expect(screen.getByTestId('funnel-registered').textContent).toContain('4 reached');
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe('/api/v1/records/campaign_member/aggregate');
    expect(sent[0].body).toEqual({ filter: { field: 'campaign', op: 'eq', value: 'C1' }, group_by: [{ field: 'status' }], aggregates: [{ op: 'count' }] });
  });

  it('reads in Chinese, with an empty ROI shown as a dash and no members yet', async () => {
    server([]);
    renderWith(<CampaignSummary object={campaign} record={{ ...record, roi: null, member_count: 0 }} />, { objects: [campaign, member], lang: 'zh-CN' });
    expect(screen.getByText('活动成效')).toBeTruthy();
    expect(screen.getByText('投资回报率（%）')).toBeTruthy();
    expect(screen.getByTestId('campaign-summary-roi').textContent).toContain('—');
    expect(await screen.findByText('暂无活动成员')).toBeTruthy();
  });
});

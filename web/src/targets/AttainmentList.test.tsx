import { screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../test/fetch';
import { renderWith } from '../test/render';
import type { Attainment } from './api';
import { AttainmentList, AttainmentWidget, barPercent } from './AttainmentList';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const answer: Attainment = {
  metric: 'won_amount',
  period_type: 'quarter',
  currency: 'CNY',
  period: { start: '2026-04-01', end: '2026-06-30', elapsed_percent: '50.55' },
  rows: [
    { kind: 'department', id: 'east', name: '华东区', parent: null, target: '90071992547409.93', actual: '1.00', attainment_percent: '0.00', gap: '90071992547408.93', projected: '1.98', on_track: false },
    { kind: 'user', id: 'wang', name: '王芳', department: 'east', target: '1000.00', actual: '1500.50', attainment_percent: '150.05', gap: '-500.50', projected: '2968.35', on_track: true },
    { kind: 'user', id: 'li', name: '李雷', department: 'east', target: null, actual: '20.00', attainment_percent: null, gap: null, projected: '39.56', on_track: null },
  ],
};

describe('AttainmentList', () => {
  it('shows actual against target in money, exactly, with the on-track tag and a capped bar', () => {
    renderWith(<AttainmentList data={answer} />);
    const east = screen.getByTestId('attainment-department-east');
    // Beyond 2^53 cents: a Number would have lost the last cent.
    expect(within(east).getByTestId('attainment-target').textContent).toBe('¥90,071,992,547,409.93');
    expect(within(east).getByTestId('attainment-behind')).toBeTruthy();
    const wang = screen.getByTestId('attainment-user-wang');
    expect(within(wang).getByTestId('attainment-actual').textContent).toBe('¥1,500.50');
    expect(within(wang).getByTestId('attainment-on-track').textContent).toBe('On track');
    expect(wang.textContent).toContain('150.05%');
    expect(wang.textContent).toContain('Gap: -¥500.50');
    expect(wang.textContent).toContain('Projected: ¥2,968.35');
    const li = screen.getByTestId('attainment-user-li');
    expect(within(li).getByTestId('attainment-target').textContent).toBe('No target');
    expect(li.querySelector('.ant-progress')).toBeNull();
    expect(barPercent(answer.rows[1])).toBe(100);
    expect(barPercent(answer.rows[0])).toBe(0);
    expect(screen.queryByTestId('attainment-rate-missing')).toBeNull();
  });

  it('says which currencies had no rate (their amounts are left out of the sums)', () => {
    const warned: Attainment = { ...answer, warnings: [{ code: 'exchange_rate_missing', currency: 'JPY', field: 'amount' }] };
    renderWith(<AttainmentList data={warned} compact />, { lang: 'zh-CN' });
    expect(screen.getByTestId('attainment-rate-missing').textContent).toContain('JPY 缺少汇率：这些金额未计入以 CNY 计的数值。');
  });

  it('writes counts as numbers, in Chinese, and can list reps only', () => {
    const counts: Attainment = {
      ...answer,
      metric: 'won_count',
      currency: null,
      rows: [...answer.rows.slice(0, 1), { ...answer.rows[1], target: '1200', actual: '1500', gap: '-300' }],
    };
    renderWith(<AttainmentList data={counts} usersOnly compact />, { lang: 'zh-CN' });
    expect(screen.queryByTestId('attainment-department-east')).toBeNull();
    const wang = screen.getByTestId('attainment-user-wang');
    expect(within(wang).getByTestId('attainment-actual').textContent).toBe('1,500');
    expect(within(wang).getByTestId('attainment-target').textContent).toBe('1,200');
    expect(within(wang).getByTestId('attainment-on-track').textContent).toBe('有望达成');
    expect(wang.textContent).not.toContain('差额'); // compact: no gap line
  });
});

describe('AttainmentList for one person', () => {
  it("shows that person's row only (a dashboard filtered to them)", () => {
    renderWith(<AttainmentList data={answer} user="wang" compact />);
    expect(screen.getByTestId('attainment-user-wang')).toBeTruthy();
    expect(screen.queryByTestId('attainment-department-east')).toBeNull();
    expect(screen.queryByTestId('attainment-user-li')).toBeNull();
  });
});

describe('AttainmentWidget', () => {
  it("asks for the period that contains today in the company's fiscal year", async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-20T04:00:00Z'));
    const sent = stubApi((s: Sent) => (s.url.startsWith('/api/v1/analytics/settings') ? { fiscal_year_start_month: 4 } : answer));
    renderWith(<AttainmentWidget metric="won_amount" periodType="quarter" />);
    expect(await screen.findByTestId('attainment-user-wang')).toBeTruthy();
    expect(sent.map((s) => s.url)).toEqual([
      '/api/v1/analytics/settings',
      '/api/v1/analytics/targets/attainment?metric=won_amount&period_type=quarter&period_start=2026-01-01',
    ]);
    expect(screen.getByTestId('attainment-widget').textContent).toContain('Won amount · FY2026-Q1');
  });

  it('asks for a department, tells when it is on screen, and shows a failure its own way', async () => {
    const painted = vi.fn();
    const sent = stubApi((s: Sent) => (s.url.startsWith('/api/v1/analytics/settings') ? { fiscal_year_start_month: 1 } : answer));
    renderWith(<AttainmentWidget metric="won_amount" periodType="month" department="east" onPainted={painted} />);
    expect(await screen.findByTestId('attainment-department-east')).toBeTruthy();
    expect(sent[1].url).toContain('department=east');
    await waitFor(() => expect(painted).toHaveBeenCalledOnce());

    stubApi(() => ({ status: 403, code: 'forbidden', title: 'Forbidden' }), () => 403);
    renderWith(<AttainmentWidget metric="won_count" periodType="year" problem={(e) => <p data-testid="problem">{(e as { status: number }).status}</p>} />);
    expect((await screen.findByTestId('problem')).textContent).toBe('403');
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import SlaSetupPage from './SlaSetupPage';

afterEach(() => vi.unstubAllGlobals());

const CALENDAR = { id: 'c1', version: 1, name: '中国标准工作日历', key: 'china_standard', time_zone: 'Asia/Shanghai', china_holidays: true };
const POLICY = { id: 'p1', version: 1, name: '标准服务等级', key: 'standard', calendar: 'c1', is_default: true, warn_at_percent: 80 };
const HOURS = [
  { id: 'h2', weekday: '2', start_time: '09:00', end_time: '18:00', calendar: 'c1' },
  { id: 'h1', weekday: '1', start_time: '09:00', end_time: '18:00', calendar: 'c1' },
];
const TARGETS = [{ id: 't1', policy: 'p1', priority: 'high', account_grade: null, first_response_hours: '4.00', resolution_hours: '16.00' }];

function answer(s: Sent): unknown {
  const page = (records: unknown[]) => ({ records, next_cursor: null });
  if (s.url === '/api/v1/service/sla/preview')
    return { first_response_due: '2026-12-07T12:00:00+08:00', resolution_due: '2026-12-08T15:00:00+08:00', warnings: [] };
  if (s.url.includes('/business_calendar/query')) return page([CALENDAR]);
  if (s.url.includes('/business_hours/query')) return page(HOURS);
  if (s.url.includes('/calendar_holiday/query')) return page([]);
  if (s.url.includes('/sla_policy/query')) return page([POLICY]);
  if (s.url.includes('/sla_target/query')) return page(TARGETS);
  return { id: 'new', version: 1 };
}

describe('SlaSetupPage', () => {
  it('shows a calendar’s hours in weekday order and previews a due time', async () => {
    const sent = stubApi(answer);
    renderWith(<SlaSetupPage />);
    const hours = await screen.findByTestId('sla-hours');
    await waitFor(() => expect(within(hours).getAllByText('09:00')).toHaveLength(2));
    const days = within(hours).getAllByText(/^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day$/).map((n) => n.textContent);
    expect(days).toEqual(['Monday', 'Tuesday']);
    fireEvent.click(await screen.findByTestId('sla-preview'));
    const due = await screen.findByTestId('sla-preview-answer');
    expect(due.textContent).toContain('2026-12-07 12:00 (+08:00)');
    const preview = sent.find((s) => s.url === '/api/v1/service/sla/preview');
    expect(preview?.body).toEqual({ policy: 'standard', priority: 'high', start: '2026-12-04T17:00:00+08:00' });
  });

  it('refuses bad hours before sending them', async () => {
    const sent = stubApi(answer);
    renderWith(<SlaSetupPage />);
    await screen.findByTestId('sla-hours');
    fireEvent.change(screen.getAllByLabelText('From').at(-1)!, { target: { value: '18:00' } });
    fireEvent.change(screen.getAllByLabelText('To').at(-1)!, { target: { value: '09:00' } });
    fireEvent.click(screen.getByTestId('sla-add-hours'));
    expect(await screen.findByText('The end must be later than the start.')).toBeTruthy();
    expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/business_hours')).toBe(false);
  });

  it('saves an edited targets grid as record writes', async () => {
    const sent = stubApi(answer);
    renderWith(<SlaSetupPage />);
    fireEvent.click(await screen.findByText('SLA policies'));
    const grid = await screen.findByTestId('sla-targets');
    const first = await within(grid).findByLabelText('high/* First response due');
    await waitFor(() => expect(Number((first as HTMLInputElement).value)).toBe(4));
    fireEvent.change(first, { target: { value: '2' } });
    fireEvent.change(within(grid).getByLabelText('urgent/A First response due'), { target: { value: '0.5' } });
    fireEvent.change(within(grid).getByLabelText('urgent/A Resolution due'), { target: { value: '4' } });
    fireEvent.click(screen.getByTestId('sla-save-targets'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/sla_target')).toBe(true));
    expect(sent.find((s) => s.method === 'PATCH')).toMatchObject({
      url: '/api/v1/records/sla_target/t1',
      body: { first_response_hours: 2, resolution_hours: 16 },
    });
    expect(sent.find((s) => s.method === 'POST' && s.url === '/api/v1/records/sla_target')?.body).toEqual({
      policy: 'p1',
      priority: 'urgent',
      account_grade: 'A',
      first_response_hours: 0.5,
      resolution_hours: 4,
    });
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ConsoleCase, ConsolePage } from '../../api/service';
import type { ObjectMeta } from '../../api/types';
import { stubApi, type Sent } from '../../test/fetch';
import { field } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import ServiceConsolePage from './ServiceConsolePage';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const options = (values: string[]) => values.map((v) => ({ value: v, labels: { en: v.replace(/_/g, ' '), 'zh-CN': v } }));
const CASE: ObjectMeta = {
  name: 'case',
  labels: { en: 'Case', 'zh-CN': '工单' },
  plural_labels: { en: 'Cases', 'zh-CN': '工单' },
  name_field: 'subject',
  package: 'service',
  permissions: { read: true, create: true, edit: true, delete: true },
  fields: [
    field('id', 'text', { read_only: true }),
    field('subject', 'text'),
    field('priority', 'picklist', { options: options(['low', 'medium', 'high', 'urgent']) }),
    field('status', 'picklist', { options: options(['new', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed']) }),
  ],
};

const NOW = Date.parse('2026-12-07T04:00:00Z');
const row = (id: string, extra: Partial<ConsoleCase>): ConsoleCase => ({
  id,
  case_no: `GD-2026-00000${id}`,
  subject: `工单 ${id}`,
  account: 'A1',
  contact: null,
  type: 'fault',
  priority: 'high',
  status: 'new',
  owner_id: 'U1',
  queue: 'Q1',
  first_response_due: null,
  first_responded_at: null,
  resolution_due: null,
  sla_status: 'on_track',
  next_due: null,
  created_at: '2026-12-07T01:00:00Z',
  _display: { account: '杭州云帆科技', owner_id: '张伟', queue: '售后服务' },
  ...extra,
});

function page(): ConsolePage {
  return {
    records: [
      row('1', { sla_status: 'breached', next_due: '2026-12-07T03:00:00Z' }),
      row('2', { sla_status: 'warning', next_due: '2026-12-07T04:30:00Z' }),
      row('3', { sla_status: 'paused', next_due: '2026-12-07T09:00:00Z', status: 'waiting_on_customer' }),
    ],
    next_cursor: null,
    counts: { status: { new: 2, waiting_on_customer: 1 }, sla_status: { breached: 1, warning: 1, paused: 1 } },
  };
}

function answer(s: Sent): unknown {
  if (s.url.startsWith('/api/v1/service/console')) return page();
  if (s.url.startsWith('/api/v1/records/case/take_many')) return { done: [{ id: '1', status: 'assigned', owner_id: 'U9' }], errors: [{ id: '2', status: 409, code: 'case_not_open', fields: [] }] };
  if (s.url.startsWith('/api/v1/service/cases/1/messages')) {
    return {
      records: [
        { id: 'M1', case: '1', summary: '', body: '打印机卡纸', visibility: 'public', direction: 'inbound', created_at: '2026-12-07T01:00:00Z', created_by: null },
        { id: 'M2', case: '1', summary: '', body: '先查硒鼓', visibility: 'internal', direction: 'outbound', created_at: '2026-12-07T01:10:00Z', created_by: 'U1' },
      ],
      next_cursor: null,
    };
  }
  return { records: [], next_cursor: null };
}

describe('ServiceConsolePage', () => {
  it('lists cases with SLA countdowns by state, filters, bulk-takes and opens the thread', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const sent = stubApi(answer);
    renderWith(<ServiceConsolePage />, { objects: [CASE], path: '/service' });
    const breached = await screen.findByTestId('sla-1');
    expect(breached.getAttribute('data-state')).toBe('breached');
    expect(breached.textContent).toBe('-1h 00m · Breached');
    expect(screen.getByTestId('sla-2').getAttribute('data-state')).toBe('warning');
    expect(screen.getByTestId('sla-2').textContent).toBe('30m · At risk');
    expect(screen.getByTestId('sla-3').getAttribute('data-state')).toBe('paused');
    expect(within(screen.getByTestId('console-row-1')).getByText('杭州云帆科技')).toBeTruthy();
    expect(screen.getByTestId('console-counts').textContent).toContain('3 open');
    expect(sent[sent.length - 1].url).toBe('/api/v1/service/console?view=mine');

    fireEvent.click(screen.getByTestId('console-tab-queue'));
    await waitFor(() => expect(sent.some((s) => s.url === '/api/v1/service/console?view=queue')).toBe(true));

    // Select two rows and take them: the request names both; the answer says one failed.
    await screen.findByTestId('console-row-1');
    const boxes = screen.getAllByRole('checkbox');
    fireEvent.click(boxes[1]);
    fireEvent.click(boxes[2]);
    fireEvent.click(await screen.findByTestId('console-take'));
    await waitFor(() => expect(sent.some((s) => s.url === '/api/v1/records/case/take_many')).toBe(true));
    expect(sent.find((s) => s.url === '/api/v1/records/case/take_many')?.body).toEqual({ ids: ['1', '2'] });
    expect(await screen.findByText('1 done, 1 not')).toBeTruthy();

    // The case panel: the customer's message and the internal note, told apart.
    fireEvent.click(screen.getByTestId('console-open-1'));
    const inbound = await screen.findByTestId('case-message-M1');
    expect(inbound.className).toContain('is-inbound');
    expect(screen.getByTestId('case-message-M2').className).toContain('is-internal');
    fireEvent.change(screen.getByTestId('reply-body'), { target: { value: '您好，已安排工程师' } });
    fireEvent.click(screen.getByTestId('reply-send'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/service/cases/1/messages')).toBe(true));
    expect(sent.find((s) => s.method === 'POST' && s.url === '/api/v1/service/cases/1/messages')?.body).toEqual({ body: '您好，已安排工程师', visibility: 'public' });
  });

  it('says a capped count is a lower bound', async () => {
    stubApi((s) =>
      s.url.startsWith('/api/v1/service/console')
        ? { ...page(), counts: { status: { new: 6001, in_progress: 4000 }, sla_status: { breached: 10001 }, capped: true } }
        : { records: [], next_cursor: null },
    );
    renderWith(<ServiceConsolePage />, { objects: [CASE], path: '/service' });
    await waitFor(() => expect(screen.getByTestId('console-counts').textContent).toContain('over 10000 open'));
    expect(screen.getByTestId('console-count-breached').textContent).toBe('Breached 10001+');
  });
});

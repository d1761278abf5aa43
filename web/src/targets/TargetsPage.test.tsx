import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../api/types';
import { field } from '../test/fixtures';
import { renderWith } from '../test/render';
import type { Attainment, TargetRecord } from './api';
import TargetsPage, { parseCellEdit } from './TargetsPage';

const salesTarget = (create = true): ObjectMeta => ({
  name: 'sales_target',
  labels: { en: 'Sales target', 'zh-CN': '销售目标' },
  name_field: 'name',
  package: 'sales',
  permissions: { read: true, create, edit: create, delete: create },
  fields: [field('name', 'text'), field('user', 'lookup', { target: 'user' }), field('target', 'decimal')],
});

interface Call {
  url: string;
  method: string;
  body: Record<string, unknown>;
  headers: Record<string, string>;
}

const attainment: Attainment = {
  metric: 'won_amount',
  period_type: 'month',
  currency: 'CNY',
  period: { start: '2026-05-01', end: '2026-05-31', elapsed_percent: '48.39' },
  rows: [{ kind: 'user', id: 'wang', name: '王芳', department: 'sh', target: '100.00', actual: '60.00', attainment_percent: '60.00', gap: '40.00', projected: '124.00', on_track: true }],
};

/** The API as the page sees it: the org, a year of targets (one in January), attainment. */
function stubServer(opts: { patch?: number } = {}) {
  const calls: Call[] = [];
  let targets: TargetRecord[] = [
    { id: 't1', version: 3, user: 'wang', metric: 'won_amount', period_type: 'month', period_start: '2026-01-01', target: 1000.1 },
    { id: 't2', version: 1, user: 'li', metric: 'won_amount', period_type: 'month', period_start: '2026-01-01', target: '0.2' },
  ];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call: Call = {
        url,
        method: init.method ?? 'GET',
        body: init.body ? JSON.parse(String(init.body)) : {},
        headers: Object.fromEntries(new Headers(init.headers).entries()),
      };
      calls.push(call);
      const json = (status: number, body: unknown) =>
        new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });
      if (url === '/api/v1/analytics/settings') return json(404, { status: 404, title: 'Not Found' });
      if (url === '/api/v1/records/department/query')
        return json(200, { records: [{ id: 'east', name: '华东区', parent: null }, { id: 'sh', name: '上海组', parent: 'east' }], next_cursor: null });
      if (url === '/api/v1/records/user/query')
        return json(200, { records: [{ id: 'wang', name: '王芳', department: 'sh' }, { id: 'li', name: '李雷', department: 'east' }], next_cursor: null });
      if (url === '/api/v1/records/sales_target/query') return json(200, { records: targets, next_cursor: null });
      if (url.startsWith('/api/v1/analytics/targets/attainment')) return json(200, attainment);
      if (url === '/api/v1/records/sales_target' && call.method === 'POST') {
        const made = { id: 't3', version: 1, ...call.body } as TargetRecord;
        targets = [...targets, made];
        return json(201, made);
      }
      if (url === '/api/v1/records/sales_target/t1' && call.method === 'PATCH') {
        if (opts.patch === 412) {
          targets = targets.map((t) => (t.id === 't1' ? { ...t, version: 4, target: 777 } : t));
          return json(412, { status: 412, code: 'stale_version', current: 4 });
        }
        return json(200, { ...targets[0], version: 4, target: Number(call.body.target) });
      }
      return json(404, { status: 404, title: 'Not Found' });
    }),
  );
  return calls;
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-05-15T04:00:00Z'));
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

function type(cell: string, text: string) {
  fireEvent.click(screen.getByTestId(cell));
  const input = screen.getByTestId(`${cell}-input`);
  fireEvent.change(input, { target: { value: text } });
  fireEvent.keyDown(input, { key: 'Enter', code: 'Enter', charCode: 13 });
}

describe('TargetsPage', () => {
  it('shows the year by department and person, department cells summed exactly, and the month in progress', async () => {
    const calls = stubServer();
    renderWith(<TargetsPage />, { objects: [salesTarget()], path: '/targets' });
    const east = await screen.findByTestId('target-cell-department-east-2026-01-01');
    // 1000.1 + 0.2 is 1000.3 (not 1000.3000000000001), summed from 王芳 (上海组) and 李雷.
    expect(east.textContent).toBe('¥1,000.30');
    expect(east.className).toContain('is-rolled');
    expect(screen.getByTestId('target-cell-department-sh-2026-01-01').textContent).toBe('¥1,000.10');
    expect(screen.getByTestId('target-cell-user-wang-2026-02-01').textContent).toBe('—');
    expect(screen.getByTestId('target-total-department-east').textContent).toBe('¥1,000.30');
    const query = calls.find((c) => c.url === '/api/v1/records/sales_target/query')!;
    expect(query.body.filter).toEqual({
      and: [
        { field: 'metric', op: 'eq', value: 'won_amount' },
        { field: 'period_type', op: 'eq', value: 'month' },
        { field: 'period_start', op: 'in', value: Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}-01`) },
      ],
    });
    // Attainment of the month that contains today.
    expect(await screen.findByTestId('attainment-user-wang')).toBeTruthy();
    expect(calls.some((c) => c.url === '/api/v1/analytics/targets/attainment?metric=won_amount&period_type=month&period_start=2026-05-01')).toBe(true);
    // No payments without the lead-to-cash objects.
    fireEvent.mouseDown(within(screen.getByTestId('targets-metric')).getByRole('combobox'));
    expect(await screen.findByText('Deals won')).toBeTruthy();
    expect(screen.queryByText('Payments received')).toBeNull();
  });

  it('creates a target where a cell had none and updates one with the version it was read at', async () => {
    const calls = stubServer();
    renderWith(<TargetsPage />, { objects: [salesTarget()], path: '/targets' });
    await screen.findByTestId('target-cell-user-wang-2026-02-01');
    type('target-cell-user-wang-2026-02-01', '1,200');
    await waitFor(() => expect(screen.getByTestId('target-cell-user-wang-2026-02-01').textContent).toBe('¥1,200.00'));
    const created = calls.find((c) => c.method === 'POST' && c.url === '/api/v1/records/sales_target')!;
    expect(created.body).toEqual({ user: 'wang', metric: 'won_amount', period_type: 'month', period_start: '2026-02-01', target: '1200' });
    expect(screen.getByTestId('target-cell-department-east-2026-02-01').textContent).toBe('¥1,200.00');

    type('target-cell-user-wang-2026-01-01', '1500');
    await waitFor(() => expect(screen.getByTestId('target-cell-user-wang-2026-01-01').textContent).toBe('¥1,500.00'));
    const patched = calls.find((c) => c.method === 'PATCH')!;
    expect(patched.url).toBe('/api/v1/records/sales_target/t1');
    expect(patched.body).toEqual({ target: '1500' });
    expect(patched.headers['if-match']).toBe('3');
  });

  it('reloads the grid when someone else changed the target meanwhile', async () => {
    const calls = stubServer({ patch: 412 });
    renderWith(<TargetsPage />, { objects: [salesTarget()], path: '/targets' });
    await screen.findByTestId('target-cell-user-wang-2026-01-01');
    type('target-cell-user-wang-2026-01-01', '1500');
    await waitFor(() => expect(screen.getByTestId('target-cell-user-wang-2026-01-01').textContent).toBe('¥777.00'));
    expect(calls.filter((c) => c.url === '/api/v1/records/sales_target/query')).toHaveLength(2);
    expect(await screen.findByText('Someone else changed this target meanwhile; the grid shows theirs now.')).toBeTruthy();
  });

  it('is read-only for who may not set targets', async () => {
    stubServer();
    renderWith(<TargetsPage />, { objects: [salesTarget(false)], path: '/targets', lang: 'zh-CN' });
    const cell = await screen.findByTestId('target-cell-user-wang-2026-01-01');
    expect((cell as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('您可以查看目标；目标由管理员和销售经理设置。')).toBeTruthy();
  });
});

describe('parseCellEdit', () => {
  it('tells a new value, a removal, nothing and a bad input apart', () => {
    expect(parseCellEdit(' 1,200.50 ', null)).toEqual({ kind: 'set', value: '1200.5' });
    expect(parseCellEdit('1200.50', '1200.5')).toEqual({ kind: 'none' });
    expect(parseCellEdit('', '10')).toEqual({ kind: 'remove' });
    expect(parseCellEdit('', null)).toEqual({ kind: 'none' });
    expect(parseCellEdit('-1', null)).toEqual({ kind: 'invalid' });
    expect(parseCellEdit('abc', null)).toEqual({ kind: 'invalid' });
  });
});

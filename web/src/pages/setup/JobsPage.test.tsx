import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import type { JobEntry } from './api';
import JobsPage from './JobsPage';

afterEach(() => vi.unstubAllGlobals());

const DEAD = '0190a0b0-0000-7000-8000-0000000000d1';
const DEAD_OLDER = '0190a0b0-0000-7000-8000-0000000000d0';
const PENDING = '0190a0b0-0000-7000-8000-0000000000e1';

const deadJob: JobEntry = {
  id: DEAD,
  kind: 'webhook.deliver',
  status: 'dead',
  attempts: 5,
  max_attempts: 5,
  run_at: '2024-05-01T02:00:00Z',
  created_at: '2024-05-01T01:00:00Z',
  finished_at: '2024-05-01T02:30:00Z',
  last_error: 'ConnectionRefusedError: [Errno 111] Connection refused by https://hooks.example.com/crm',
  payload: { url: 'https://hooks.example.com/crm', event: 'record.create' },
};
const olderDead: JobEntry = { ...deadJob, id: DEAD_OLDER, kind: 'mail.send', last_error: 'SMTPRecipientsRefused: nobody@example.com', payload: { to: 'nobody@example.com' } };
const pendingJob: JobEntry = { ...deadJob, id: PENDING, kind: 'notify.owner', status: 'pending', attempts: 1, finished_at: null, last_error: null, payload: {} };

const counts = { pending: 4, done: 12, dead: 2 };
const page = (jobs: JobEntry[], next_cursor: string | null = null, c = counts) => ({ jobs, counts: c, next_cursor });
const query = (s: Sent) => new URL(s.url, 'http://x').searchParams;

describe('JobsPage', () => {
  it('opens on the failed jobs with the counts, loads more, and shows the error and payload in full', async () => {
    const sent = stubApi((s) => (query(s).get('cursor') ? page([olderDead]) : page([deadJob], DEAD)));
    const { container } = renderWith(<JobsPage />);
    const row = await screen.findByTestId(`job-row-${DEAD}`);
    expect(query(sent[0]).get('status')).toBe('dead');
    expect(row.textContent).toContain('webhook.deliver');
    expect(screen.getByTestId(`job-status-${DEAD}`).textContent).toBe('Failed (out of retries)');
    expect(screen.getByTestId(`job-attempts-${DEAD}`).textContent).toBe('5 / 5');
    expect(row.textContent).toContain('ConnectionRefusedError');
    expect(screen.getByTestId('jobs-count-pending').textContent).toBe('4');
    expect(screen.getByTestId('jobs-count-done').textContent).toBe('12');
    expect(screen.getByTestId('jobs-count-dead').textContent).toBe('2');

    fireEvent.click(screen.getByTestId('jobs-more'));
    await screen.findByTestId(`job-row-${DEAD_OLDER}`);
    expect(query(sent[1]).get('cursor')).toBe(DEAD);
    expect(query(sent[1]).get('status')).toBe('dead');
    expect(screen.queryByTestId('jobs-more')).toBeNull();

    fireEvent.click(container.querySelectorAll('.ant-table-row-expand-icon')[0]);
    const details = await screen.findByTestId('job-details');
    expect(details.textContent).toContain('Connection refused by https://hooks.example.com/crm');
    expect(within(details).getByTestId('job-payload').textContent).toBe(JSON.stringify(deadJob.payload, null, 2));
  });

  it('opens on the pending jobs when none failed, and switches tabs', async () => {
    const sent = stubApi((s) => {
      const status = query(s).get('status');
      const c = { pending: 1, done: 0, dead: 0 };
      return status === 'pending' ? page([pendingJob], null, c) : page([], null, c);
    });
    renderWith(<JobsPage />);
    await screen.findByTestId(`job-row-${PENDING}`);
    expect(sent.map((s) => query(s).get('status'))).toEqual(['dead', 'pending']);
    expect(screen.getByTestId(`job-status-${PENDING}`).textContent).toBe('Pending');
    expect(screen.queryByTestId(`job-retry-${PENDING}`)).toBeNull();

    fireEvent.click(screen.getByTestId('jobs-tab-done'));
    expect(await screen.findByText('No finished jobs.')).toBeTruthy();
    expect(query(sent[2]).get('status')).toBe('done');
  });

  it('retries a failed job: calls the endpoint, updates the row and the counts', async () => {
    const retried: JobEntry = { ...deadJob, status: 'pending', attempts: 0, finished_at: null, run_at: '2024-05-02T08:00:00Z' };
    const sent = stubApi((s) => (s.method === 'POST' ? retried : page([deadJob])));
    renderWith(<JobsPage />);
    fireEvent.click(await screen.findByTestId(`job-retry-${DEAD}`));
    await waitFor(() => expect(screen.getByTestId(`job-status-${DEAD}`).textContent).toBe('Pending'));
    const post = sent.find((s) => s.method === 'POST')!;
    expect(post.url).toBe(`/api/v1/jobs/${DEAD}/retry`);
    expect(screen.getByTestId(`job-attempts-${DEAD}`).textContent).toBe('0 / 5');
    expect(screen.queryByTestId(`job-retry-${DEAD}`)).toBeNull();
    expect(screen.getByTestId('jobs-count-dead').textContent).toBe('1');
    expect(screen.getByTestId('jobs-count-pending').textContent).toBe('5');
    expect(await screen.findByText('The job will run again shortly.')).toBeTruthy();
  });

  it("shows the server's reason when a retry is refused", async () => {
    stubApi(
      (s) => (s.method === 'POST' ? { status: 409, title: 'Conflict', detail: 'Only a job that ran out of attempts can be retried.' } : page([deadJob])),
      (s) => (s.method === 'POST' ? 409 : 200),
    );
    renderWith(<JobsPage />);
    fireEvent.click(await screen.findByTestId(`job-retry-${DEAD}`));
    expect(await screen.findByText('Only a job that ran out of attempts can be retried.')).toBeTruthy();
    expect(screen.getByTestId(`job-status-${DEAD}`).textContent).toBe('Failed (out of retries)');
    expect(screen.getByTestId('jobs-count-dead').textContent).toBe('2');
  });

  it('tells someone who is not an administrator that the page is not for them', async () => {
    stubApi(
      () => ({ status: 403, title: 'Forbidden' }),
      () => 403,
    );
    renderWith(<JobsPage />, { lang: 'zh-CN' });
    expect(await screen.findByText('您无权访问此内容。')).toBeTruthy();
    expect(screen.queryByTestId('jobs-table')).toBeNull();
  });
});

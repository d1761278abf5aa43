import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import EmailCampaignPanel from './EmailCampaignPanel';

afterEach(() => vi.unstubAllGlobals());

const CAMPAIGN = {
  id: 'c1',
  version: 2,
  name: '新品发布会邀请',
  status: 'draft',
  segment: 's1',
  recipients: 0,
};

const SENT = {
  ...CAMPAIGN,
  status: 'sent',
  recipients: 200,
  sent: 190,
  bounced: 6,
  failed: 4,
  opened: 95,
  clicked: 19,
  unsubscribed: 2,
  skipped_no_consent: 30,
  skipped_opt_out: 5,
  skipped_no_email: 7,
};

const DELIVERY = {
  id: 1,
  recipient_object: 'contact',
  recipient_id: 'p1',
  address: 'li.na@example.com',
  status: 'bounced',
  attempts: 1,
  error: '550 5.1.1 No such user',
  sent_at: null,
  opened_at: null,
  open_count: 0,
  clicked_at: null,
  click_count: 0,
  unsubscribed_at: null,
};

function answer(s: Sent): unknown {
  if (s.url.endsWith('/audience')) return { count: 242 };
  if (s.url.includes('/deliveries')) return { records: [DELIVERY], next_cursor: s.url.includes('cursor') ? null : '1' };
  if (s.url.endsWith('/send_now')) return { id: 'c1', status: 'sending' };
  if (s.url.endsWith('/send_test')) return { to: s.body.to, subject: '[TEST] 李娜，新品发布' };
  return {};
}

describe('EmailCampaignPanel', () => {
  it('sends a draft after a confirmation naming the audience, once', async () => {
    const sent = stubApi(answer);
    const changed = vi.fn();
    renderWith(<EmailCampaignPanel record={CAMPAIGN} onChanged={changed} />);
    expect((await screen.findByTestId('email-audience')).textContent).toBe('242 people in the segment');
    await waitFor(() => expect((screen.getByTestId('email-send-now') as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByTestId('email-send-now'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/to the 242 people of its segment/)).toBeTruthy();
    expect(sent.some((s) => s.url.endsWith('/send_now'))).toBe(false);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Send now' }));
    await waitFor(() => expect(changed).toHaveBeenCalled());
    expect(sent.filter((s) => s.url === '/api/v1/records/email_campaign/c1/send_now' && s.method === 'POST')).toHaveLength(1);
  });

  it('shows the counters, the skipped by reason and the recipients, in Chinese', async () => {
    stubApi(answer);
    renderWith(<EmailCampaignPanel record={SENT} onChanged={() => {}} />, { lang: 'zh-CN' });
    expect(screen.queryByTestId('email-send-now')).toBeNull();
    expect(screen.getByTestId('email-skipped').textContent).toBe('已跳过：未授权 30 人，已退订 5 人，无邮箱 7 人');
    expect(screen.getByText('已打开')).toBeTruthy();
    expect(screen.getByText('(50%)')).toBeTruthy(); // 95 of 190 sent
    expect(await screen.findByText('550 5.1.1 No such user')).toBeTruthy();
    expect(screen.getAllByText('退信').length).toBeGreaterThan(0);
    fireEvent.click(screen.getByTestId('email-more'));
    await waitFor(() => expect(screen.getAllByText('li.na@example.com')).toHaveLength(2));
  });

  it('queues a test send to the address typed', async () => {
    const sent = stubApi(answer);
    renderWith(<EmailCampaignPanel record={CAMPAIGN} onChanged={() => {}} />);
    fireEvent.click(screen.getByTestId('email-test'));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByTestId('email-test-to'), { target: { value: 'me@example.com' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Send a test' }));
    expect(await screen.findByText('Test queued: “[TEST] 李娜，新品发布” to me@example.com')).toBeTruthy();
    expect(sent.find((s) => s.url.endsWith('/send_test'))?.body).toEqual({ to: 'me@example.com' });
  });
});

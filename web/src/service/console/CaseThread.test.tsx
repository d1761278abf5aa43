import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CaseMessage } from '../../api/service';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import { CaseThread } from './CaseThread';

afterEach(() => vi.unstubAllGlobals());

const reply = (id: string, extra: Partial<CaseMessage>): CaseMessage => ({
  id,
  case: '1',
  summary: '',
  body: `回复 ${id}`,
  visibility: 'public',
  direction: 'outbound',
  created_at: '2026-12-07T01:00:00Z',
  created_by: 'U1',
  ...extra,
});

describe('CaseThread send status', () => {
  it('shows a reply that was not sent, with the reason, and sends it again', async () => {
    let retried = false;
    const sent = stubApi((s: Sent) => {
      if (s.url.endsWith('/retry_send')) {
        retried = true;
        return { send_status: 'pending' };
      }
      if (s.url.startsWith('/api/v1/service/cases/1/messages')) {
        return {
          records: [
            reply('M1', { send_status: retried ? 'pending' : 'failed', send_error: 'smtp_not_configured' }),
            reply('M2', { send_status: 'failed', send_error: 'SMTPRecipientsRefused: 550 no such user' }),
            reply('M3', { send_status: 'sent' }),
          ],
          next_cursor: null,
        };
      }
      return { records: [], next_cursor: null };
    });
    renderWith(<CaseThread record={{ id: '1', status: 'in_progress' }} />);
    expect(await screen.findByText('No mail server (SMTP) is set up for sending.')).toBeTruthy();
    expect(screen.getByText('SMTPRecipientsRefused: 550 no such user')).toBeTruthy();
    expect(screen.getAllByText('Not sent')).toHaveLength(2);
    expect(screen.queryByTestId('send-status-M3')).toBeNull(); // sent: nothing to say
    fireEvent.click(screen.getByTestId('send-retry-M1'));
    await waitFor(() => expect(sent.some((s) => s.method === 'POST' && s.url === '/api/v1/records/case_message/M1/retry_send')).toBe(true));
    expect(await screen.findByText('Sending')).toBeTruthy();
    expect(screen.queryByTestId('send-retry-M1')).toBeNull();
  });

  it('words the status in Chinese', async () => {
    stubApi((s: Sent) =>
      s.url.startsWith('/api/v1/service/cases/1/messages')
        ? { records: [reply('M1', { send_status: 'failed', send_error: 'no_recipient' })], next_cursor: null }
        : { records: [], next_cursor: null },
    );
    renderWith(<CaseThread record={{ id: '1', status: 'in_progress' }} />, { lang: 'zh-CN' });
    expect(await screen.findByText('客户没有邮箱地址。')).toBeTruthy();
    expect(screen.getByText('未发出')).toBeTruthy();
    expect(screen.getByText('重新发送')).toBeTruthy();
  });
});

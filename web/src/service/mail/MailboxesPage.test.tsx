import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import MailboxesPage from './MailboxesPage';

afterEach(() => vi.unstubAllGlobals());

const MAILBOX = '/api/v1/service/queues/q1/mailbox';
const QUEUES = { records: [{ id: 'q1', name: '售后支持', email_address: 'support@keyi.example' }], next_cursor: null };
const SAVED = {
  queue: 'q1',
  address: 'support@keyi.example',
  host: 'imap.keyi.example',
  port: 993,
  security: 'ssl',
  tls: true,
  username: 'support@keyi.example',
  password_set: true,
  folder: 'INBOX',
  active: true,
  last_polled_at: '2026-12-07T05:40:00',
  last_error: null,
  last_uid: 12,
};

describe('MailboxesPage', () => {
  it('sets up a queue mailbox: tests the typed settings, then saves them with the password', async () => {
    const sent = stubApi(
      (s: Sent) => {
        if (s.url.startsWith('/api/v1/records/queue')) return QUEUES;
        if (s.url.endsWith('/test')) return { ok: true, error: null, messages: 3 };
        if (s.method === 'PUT') return { ...SAVED, ...s.body, password_set: true };
        return { title: 'Not found', status: 404, code: 'not_found' };
      },
      (s: Sent) => (s.method === 'GET' && s.url === MAILBOX ? 404 : 200),
    );
    renderWith(<MailboxesPage />);
    expect(await screen.findByText('售后支持')).toBeTruthy();
    expect(screen.getByText('Not set up')).toBeTruthy();
    fireEvent.click(screen.getByTestId('mailbox-edit-q1'));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Mailbox of 售后支持')).toBeTruthy();
    fireEvent.change(screen.getByTestId('mailbox-host'), { target: { value: 'imap.keyi.example' } });
    fireEvent.change(screen.getByTestId('mailbox-password'), { target: { value: 's3cret' } });
    fireEvent.click(screen.getByTestId('mailbox-test'));
    expect(await screen.findByText('Connected: 3 mails in the folder')).toBeTruthy();
    const tested = sent.find((s) => s.url === `${MAILBOX}/test`);
    expect(tested?.body).toEqual({
      host: 'imap.keyi.example',
      port: 993,
      security: 'ssl',
      username: 'support@keyi.example',
      password: 's3cret',
      folder: 'INBOX',
      active: true,
    });
    fireEvent.click(screen.getByTestId('mailbox-save'));
    expect(await screen.findByText('Mailbox saved')).toBeTruthy();
    expect(sent.find((s) => s.method === 'PUT')?.body).toMatchObject({ host: 'imap.keyi.example', password: 's3cret' });
  });

  it('shows a failing mailbox and keeps the stored password when it is left empty', async () => {
    const sent = stubApi((s: Sent) => {
      if (s.url.startsWith('/api/v1/records/queue')) return QUEUES;
      if (s.method === 'PUT') return SAVED;
      return { ...SAVED, last_error: 'sign-in refused' };
    });
    renderWith(<MailboxesPage />, { lang: 'zh-CN' });
    expect(await screen.findByText('读取失败：sign-in refused')).toBeTruthy();
    fireEvent.click(screen.getByTestId('mailbox-edit-q1'));
    const password = await screen.findByTestId('mailbox-password');
    expect(password.getAttribute('placeholder')).toBe('留空则保留已保存的密码');
    fireEvent.change(screen.getByTestId('mailbox-folder'), { target: { value: 'Support' } });
    fireEvent.click(screen.getByTestId('mailbox-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'PUT')).toBe(true));
    expect(sent.find((s) => s.method === 'PUT')?.body).toMatchObject({ folder: 'Support', password: null });
  });

  it('secures a mailbox with STARTTLS, moving the default port with it', async () => {
    const sent = stubApi(
      (s: Sent) => {
        if (s.url.startsWith('/api/v1/records/queue')) return QUEUES;
        if (s.method === 'PUT') return { ...SAVED, ...s.body, password_set: true };
        return { title: 'Not found', status: 404, code: 'not_found' };
      },
      (s: Sent) => (s.method === 'GET' && s.url === MAILBOX ? 404 : 200),
    );
    renderWith(<MailboxesPage />);
    fireEvent.click(await screen.findByTestId('mailbox-edit-q1'));
    await screen.findByRole('dialog');
    fireEvent.change(screen.getByTestId('mailbox-host'), { target: { value: 'mail.keyi.example' } });
    fireEvent.change(screen.getByTestId('mailbox-password'), { target: { value: 's3cret' } });
    fireEvent.mouseDown(screen.getByTestId('mailbox-security').querySelector('.ant-select-selector') as Element);
    fireEvent.click(await screen.findByText('STARTTLS'));
    fireEvent.click(screen.getByTestId('mailbox-save'));
    expect(await screen.findByText('Mailbox saved')).toBeTruthy();
    expect(sent.find((s) => s.method === 'PUT')?.body).toMatchObject({
      host: 'mail.keyi.example',
      security: 'starttls',
      port: 143,
    });
  });

  it('reads a mailbox now and says what became of the mails', async () => {
    const sent = stubApi((s: Sent) => {
      if (s.url.startsWith('/api/v1/records/queue')) return QUEUES;
      if (s.url.endsWith('/read')) return { read: 3, cases: 2, replies: 1, duplicates: 0, ignored: 0, failed: 0, error: null };
      return SAVED;
    });
    renderWith(<MailboxesPage />);
    fireEvent.click(await screen.findByTestId('mailbox-read-q1'));
    expect(await screen.findByText('Mails read: 3 · new cases: 2 · replies: 1')).toBeTruthy();
    expect(sent.some((s) => s.method === 'POST' && s.url === `${MAILBOX}/read`)).toBe(true);
  });
});

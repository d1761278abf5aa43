/**
 * The email-to-case endpoints of the service package (a queue's IMAP mailbox), loaded with the
 * Setup › Service mailboxes page only.
 */
import { ApiError, request } from '../../api/client';
import type { components } from '../../api/schema.gen';

export type Mailbox = components['schemas']['MailboxOut'];
export type MailboxInput = components['schemas']['MailboxIn'];
export interface MailboxTest {
  ok: boolean;
  error: string | null;
  messages: number | null;
}

export interface MailboxRead {
  read: number;
  cases: number;
  replies: number;
  duplicates: number;
  ignored: number;
  failed: number;
  error: string | null;
}

const path = (queueId: string) => `/api/v1/service/queues/${encodeURIComponent(queueId)}/mailbox`;

export const mailApi = {
  /** The queue's mailbox, or null when it has none yet. */
  async get(queueId: string): Promise<Mailbox | null> {
    try {
      return await request<Mailbox>(path(queueId));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }
  },
  save(queueId: string, body: MailboxInput) {
    return request<Mailbox>(path(queueId), { method: 'PUT', body });
  },
  test(queueId: string, body?: MailboxInput) {
    return request<MailboxTest>(`${path(queueId)}/test`, { method: 'POST', body: body ?? null });
  },
  /** Read the new mails now instead of at the next scheduler round. */
  read(queueId: string) {
    return request<MailboxRead>(`${path(queueId)}/read`, { method: 'POST' });
  },
  remove(queueId: string) {
    return request<void>(path(queueId), { method: 'DELETE' });
  },
};

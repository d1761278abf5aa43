/**
 * The email marketing endpoints (keyi.packages.marketing.email_routes) and the campaign's record
 * actions, loaded with the template editor and the campaign panel only.
 */
import { request } from '../../api/client';
import type { components } from '../../api/schema.gen';

export type Preview = components['schemas']['Preview'];
export type PreviewBody = components['schemas']['PreviewBody'];
export type Delivery = components['schemas']['Delivery'];
export type DeliveryPage = components['schemas']['DeliveryPage'];
export type CampaignState = components['schemas']['CampaignState'];
export type TestQueued = components['schemas']['TestQueued'];

/** One block of a template (keyi.packages.marketing.email_render documents the shape). */
export interface Block {
  type: 'heading' | 'text' | 'image' | 'button' | 'divider';
  text?: string;
  level?: 1 | 2;
  src?: string;
  alt?: string;
  href?: string;
  color?: string;
}

const BASE = '/api/v1/marketing/email';
const action = (id: string, name: string) => `/api/v1/records/email_campaign/${encodeURIComponent(id)}/${name}`;

export const emailApi = {
  preview(body: PreviewBody, signal?: AbortSignal) {
    return request<Preview>(`${BASE}/preview`, { method: 'POST', body, signal });
  },
  audience(campaignId: string) {
    return request<{ count: number | null }>(`${BASE}/campaigns/${encodeURIComponent(campaignId)}/audience`);
  },
  deliveries(campaignId: string, params: { status?: string; cursor?: string | null }) {
    const q = new URLSearchParams({ limit: '50' });
    if (params.status) q.set('status', params.status);
    if (params.cursor) q.set('cursor', params.cursor);
    return request<DeliveryPage>(`${BASE}/campaigns/${encodeURIComponent(campaignId)}/deliveries?${q}`);
  },
  saveTemplate(id: string, body: Record<string, unknown>, version: number) {
    return request<Record<string, unknown>>(`/api/v1/records/email_template/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body,
      headers: { 'If-Match': `"${version}"` },
    });
  },
  sendNow: (id: string) => request<CampaignState>(action(id, 'send_now'), { method: 'POST' }),
  schedule: (id: string, scheduledAt: string) => request<CampaignState>(action(id, 'schedule'), { method: 'POST', body: { scheduled_at: scheduledAt } }),
  cancel: (id: string) => request<CampaignState>(action(id, 'cancel'), { method: 'POST' }),
  sendTest: (id: string, to: string) => request<TestQueued>(action(id, 'send_test'), { method: 'POST', body: { to } }),
};

/** The merge fields the picker offers (the whole namespace is in email_render's docstring). */
export const MERGE_FIELDS = [
  ['recipient.name', 'mkEmail.merge.recipientName'],
  ['recipient.email', 'mkEmail.merge.recipientEmail'],
  ['recipient.title', 'mkEmail.merge.recipientTitle'],
  ['account.name', 'mkEmail.merge.accountName'],
  ['sender.name', 'mkEmail.merge.senderName'],
  ['sender.company', 'mkEmail.merge.senderCompany'],
  ['unsubscribe_url', 'mkEmail.merge.unsubscribe'],
] as const;

/** A block list as the server stores it (a JSON field answers the list, or its text). */
export function parseBlocks(value: unknown): Block[] {
  if (Array.isArray(value)) return value as Block[];
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      return JSON.parse(value) as Block[];
    } catch {
      return [];
    }
  }
  return [];
}

/**
 * The SLA setup screens' calls: business calendars, their hours and dates, policies and their
 * targets through the generic records API, and the due-time preview of the service package.
 */
import { request } from '../../api/client';
import { api } from '../../api/endpoints';
import type { components } from '../../api/schema.gen';
import type { RecordData } from '../../api/types';

export type PreviewRequest = components['schemas']['PreviewRequest'];
export type PreviewAnswer = components['schemas']['PreviewAnswer'];

const PAGE = 200;

async function all(object: string, field?: string, value?: string): Promise<RecordData[]> {
  const found: RecordData[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.query(object, {
      filter: field ? { field, op: 'eq', value } : undefined,
      limit: PAGE,
      cursor,
    });
    found.push(...page.records);
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

export const slaApi = {
  calendars: () => all('business_calendar'),
  hours: (calendarId: string) => all('business_hours', 'calendar', calendarId),
  dates: (calendarId: string) => all('calendar_holiday', 'calendar', calendarId),
  policies: () => all('sla_policy'),
  targets: (policyId: string) => all('sla_target', 'policy', policyId),
  create: (object: string, values: Record<string, unknown>) => api.create(object, values),
  update: (object: string, record: RecordData, values: Record<string, unknown>) =>
    api.update(object, record.id, record.version, values),
  patch: (object: string, id: string, values: Record<string, unknown>) => api.update(object, id, undefined, values),
  remove: (object: string, id: string) => api.remove(object, id),
  preview: (body: PreviewRequest) =>
    request<PreviewAnswer>('/api/v1/service/sla/preview', { method: 'POST', body }),
};

/**
 * Report alerts and scheduled report emails as the web app calls them. Both are someone's rule
 * about a report they may read: its owner (and administrators) see and change it; it runs on a
 * cron schedule in the tenant's time zone for its owner and the users and roles it names.
 *
 * The bodies are the server's declared models (schema.gen.ts); the answers are plain dicts on
 * the server, so their shapes are written out here.
 */
import { request, qs } from '../../api/client';
import type { components, paths } from '../../api/schema.gen';

/** Compiles only while the server declares the routes this module calls. */
export type DeclaredRoutes = [
  paths['/api/v1/report-alerts']['get'],
  paths['/api/v1/report-alerts']['post'],
  paths['/api/v1/report-alerts/{alert_id}']['patch'],
  paths['/api/v1/report-alerts/{alert_id}']['delete'],
  paths['/api/v1/report-alerts/{alert_id}/check']['post'],
  paths['/api/v1/report-alerts/{alert_id}/samples']['get'],
  paths['/api/v1/report-subscriptions']['get'],
  paths['/api/v1/report-subscriptions']['post'],
  paths['/api/v1/report-subscriptions/{subscription_id}']['patch'],
  paths['/api/v1/report-subscriptions/{subscription_id}']['delete'],
];

type Schemas = components['schemas'];
export type Recipients = Schemas['Recipients'];
export type Condition = Schemas['Condition'];
export type AlertInput = Schemas['AlertInput'];
export type AlertChange = Schemas['AlertChange'];
export type SubscriptionInput = Schemas['SubscriptionInput'];
export type SubscriptionChange = Schemas['SubscriptionChange'];

export type ThresholdOp = NonNullable<Condition['op']>;
export const THRESHOLD_OPS: ThresholdOp[] = ['gt', 'gte', 'lt', 'lte', 'eq', 'ne'];
export type ChangeDirection = NonNullable<Condition['change']>;
export type SubscriptionFormat = NonNullable<SubscriptionInput['format']>;
export const SUBSCRIPTION_FORMATS: SubscriptionFormat[] = ['xlsx', 'csv', 'link'];

/** As stored: numbers as their text (`"10"`), the defaults filled in. */
export interface StoredCondition {
  value: string;
  op?: ThresholdOp;
  threshold?: string;
  scope?: 'total' | 'any_group';
  change?: ChangeDirection;
  percent?: string;
  period_days?: number;
}

interface Rule {
  id: string;
  report_id: string;
  schedule: string;
  recipients: { users?: string[]; roles?: string[] };
  owner_id: string | null;
  active: boolean;
  next_run_at: string | null;
  updated_at: string;
}
export interface ReportAlert extends Rule {
  name: string;
  condition: StoredCondition;
  last_run_at: string | null;
  last_fired_at: string | null;
}
export interface ReportSubscription extends Rule {
  format: SubscriptionFormat;
  last_sent_at: string | null;
}

/** A group over the threshold (`scope: any_group`): its key and value. */
export interface GroupHit {
  key: Record<string, unknown>;
  value: number | string | null;
}
/** The caller's value now and whether the condition holds for it (nothing stored or sent). */
export interface CheckResult {
  holds: boolean;
  value: number | string | null | GroupHit[];
}
export interface AlertSample {
  taken_at: string;
  value: number | string | null;
}

const enc = encodeURIComponent;

export const alertsApi = {
  list(reportId?: string | null, signal?: AbortSignal) {
    return request<{ alerts: ReportAlert[] }>(`/api/v1/report-alerts${qs({ report_id: reportId ?? undefined })}`, { signal });
  },
  create(body: AlertInput) {
    return request<ReportAlert>('/api/v1/report-alerts', { method: 'POST', body });
  },
  update(id: string, body: AlertChange) {
    return request<ReportAlert>(`/api/v1/report-alerts/${enc(id)}`, { method: 'PATCH', body });
  },
  remove(id: string) {
    return request<void>(`/api/v1/report-alerts/${enc(id)}`, { method: 'DELETE' });
  },
  check(id: string) {
    return request<CheckResult>(`/api/v1/report-alerts/${enc(id)}/check`, { method: 'POST' });
  },
  samples(id: string, signal?: AbortSignal) {
    return request<{ samples: AlertSample[] }>(`/api/v1/report-alerts/${enc(id)}/samples`, { signal });
  },
};

export const subscriptionsApi = {
  list(reportId?: string | null, signal?: AbortSignal) {
    return request<{ subscriptions: ReportSubscription[] }>(`/api/v1/report-subscriptions${qs({ report_id: reportId ?? undefined })}`, { signal });
  },
  create(body: SubscriptionInput) {
    return request<ReportSubscription>('/api/v1/report-subscriptions', { method: 'POST', body });
  },
  update(id: string, body: SubscriptionChange) {
    return request<ReportSubscription>(`/api/v1/report-subscriptions/${enc(id)}`, { method: 'PATCH', body });
  },
  remove(id: string) {
    return request<void>(`/api/v1/report-subscriptions/${enc(id)}`, { method: 'DELETE' });
  },
};

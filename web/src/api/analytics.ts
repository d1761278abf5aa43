/**
 * The sales analytics endpoints (funnel and pipeline movement). Types come from the server's
 * OpenAPI document (schema.gen.ts, `make api-types`), so a renamed field fails the type check.
 */
import { request } from './client';
import type { components } from './schema.gen';
import type { FilterNode } from './types';

export type FunnelResult = components['schemas']['FunnelResult'];
export type FunnelStage = components['schemas']['FunnelStage'];
export type MovementResult = components['schemas']['MovementResult'];
export type MovementCategory = components['schemas']['MovementCategory'];
/** A relative period literal (`this_month`) or both days of a range (included). */
export type Period = string | { from: string; to: string };

export const analyticsApi = {
  funnel(body: { filter?: FilterNode | null; pipeline?: string | null }, signal?: AbortSignal) {
    return request<FunnelResult>('/api/v1/analytics/funnel', { method: 'POST', body, signal });
  },
  movement(body: { period: Period; filter?: FilterNode | null }, signal?: AbortSignal) {
    return request<MovementResult>('/api/v1/analytics/pipeline-movement', { method: 'POST', body, signal });
  },
};

/**
 * The target screens' endpoints: attainment (declared by the server: schema.gen.ts), the
 * tenant's fiscal year start, and the records the grid reads and writes (sales targets, users,
 * departments) through the generic records API.
 */
import { qs, request } from '../api/client';
import { api } from '../api/endpoints';
import type { components, paths } from '../api/schema.gen';
import type { FilterNode, RecordData } from '../api/types';
import type { PeriodType } from './periods';

/** Compiles only while the server declares the route this module calls. */
export type DeclaredRoutes = [paths['/api/v1/analytics/targets/attainment']['get']];

export type Attainment = components['schemas']['Attainment'];
export type AttainmentRow = components['schemas']['AttainmentRow'];
export type Metric = Attainment['metric'];
export const METRICS: Metric[] = ['won_amount', 'won_count', 'new_accounts', 'activities', 'payments_received'];
/** Metrics measured in money (the others are counts). */
export const MONEY_METRICS: ReadonlySet<Metric> = new Set<Metric>(['won_amount', 'payments_received']);

export const TARGET_OBJECT = 'sales_target';

/** A sales target record as the grid reads it. */
export interface TargetRecord extends RecordData {
  user?: string | null;
  department?: string | null;
  metric: Metric;
  period_type: PeriodType;
  period_start: string;
  target: number | string;
}

export interface Person {
  id: string;
  name: string;
  department: string | null;
}

export interface Department {
  id: string;
  name: string;
  parent: string | null;
}

const PAGE = 500;

/** Every record a query matches, page after page (the grid needs all of a year's targets). */
async function all<T extends RecordData>(object: string, body: { filter?: FilterNode; fields: string[] }, signal?: AbortSignal): Promise<T[]> {
  const found: T[] = [];
  let cursor: string | null = null;
  do {
    const page = await api.query(object, { ...body, limit: PAGE, cursor }, signal);
    found.push(...(page.records as T[]));
    cursor = page.next_cursor;
  } while (cursor);
  return found;
}

export const targetsApi = {
  attainment(params: { metric: Metric; period_type: PeriodType; period_start: string; department?: string | null }, signal?: AbortSignal) {
    return request<Attainment>(`/api/v1/analytics/targets/attainment${qs(params)}`, { signal });
  },
  /** The fiscal year's first month (1 = January); January when the setting cannot be read. */
  async fiscalStart(signal?: AbortSignal): Promise<number> {
    try {
      const s = await request<{ fiscal_year_start_month?: number }>('/api/v1/analytics/settings', { signal });
      const m = s.fiscal_year_start_month;
      return typeof m === 'number' && m >= 1 && m <= 12 ? m : 1;
    } catch {
      return 1;
    }
  },
  targets(metric: Metric, periodType: PeriodType, starts: string[], signal?: AbortSignal) {
    const filter: FilterNode = {
      and: [
        { field: 'metric', op: 'eq', value: metric },
        { field: 'period_type', op: 'eq', value: periodType },
        { field: 'period_start', op: 'in', value: starts },
      ],
    };
    return all<TargetRecord>(TARGET_OBJECT, { filter, fields: ['user', 'department', 'metric', 'period_type', 'period_start', 'target'] }, signal);
  },
  async people(signal?: AbortSignal): Promise<Person[]> {
    const rows = await all<RecordData>('user', { filter: { field: 'is_active', op: 'eq', value: true }, fields: ['name', 'department'] }, signal);
    return rows.map((r) => ({ id: r.id, name: String(r.name ?? ''), department: (r.department as string | null) ?? null }));
  },
  async departments(signal?: AbortSignal): Promise<Department[]> {
    const rows = await all<RecordData>('department', { fields: ['name', 'parent'] }, signal);
    return rows.map((r) => ({ id: r.id, name: String(r.name ?? ''), parent: (r.parent as string | null) ?? null }));
  },
  create(values: { user?: string; department?: string; metric: Metric; period_type: PeriodType; period_start: string; target: string }) {
    return api.create(TARGET_OBJECT, values) as Promise<TargetRecord>;
  },
  update(id: string, version: number | undefined, target: string) {
    return api.update(TARGET_OBJECT, id, version, { target }) as Promise<TargetRecord>;
  },
  remove(id: string) {
    return api.remove(TARGET_OBJECT, id);
  },
};

/**
 * The dashboards API (issue 14 contract), typed by hand while the backend lands: the one place
 * to switch to schema.gen.ts's types after `make api-types`.
 * Loaded with the dashboard screens only (HomePage asks for its home dashboard through home.ts,
 * which is a few lines).
 */
import { qs, request } from '../api/client';
import { takePrefetchedDashboard } from '../boot';
import type { Labels } from '../api/types';

const enc = encodeURIComponent;

/** A name or title: plain text, or texts by language (`{"zh-CN": …, "en": …}`, `{"": plain}`). */
export type Label = string | Labels;

export type WidgetKind = 'report' | 'kpi' | 'target';
export type ChartType = 'bar' | 'stacked_bar' | 'line' | 'area' | 'pie' | 'donut' | 'funnel' | 'kpi' | 'table';
export type TargetMetric = 'won_amount' | 'won_count' | 'new_accounts' | 'activities' | 'payments_received';
export type PeriodType = 'month' | 'quarter' | 'year';
export const TARGET_METRICS: TargetMetric[] = ['won_amount', 'won_count', 'new_accounts', 'activities', 'payments_received'];
export const PERIOD_TYPES: PeriodType[] = ['month', 'quarter', 'year'];
/** The longest dashboard name or widget title the server keeps (per language). */
export const MAX_TITLE = 100;

/** How a report is drawn (stored with the report; a widget's own overrides it). */
export interface ChartConfig {
  type: ChartType;
  x?: string | null;
  series?: string | null;
  value?: string | null;
  target?: number | null;
  horizontal?: boolean | null;
}

/** One cell of the 12-column grid and what it shows. */
export interface Widget {
  id: string;
  kind: WidgetKind;
  x: number;
  y: number;
  w: number;
  h: number;
  title?: Label | null;
  report_id?: string | null;
  chart?: ChartConfig | null;
  /** kpi: a value name of the report's totals (`count`, `sum_amount`). */
  value?: string | null;
  /** kpi: the number to reach. */
  target?: number | null;
  /** kpi: `previous_period` (the server's default) or `none`. */
  compare?: 'previous_period' | 'none' | null;
  metric?: TargetMetric | null;
  period_type?: PeriodType | null;
}

export type OwnerFilter = { user: string } | { department: string };

/** Applied to every widget; a run may override them key by key (null clears one). */
export interface DashboardFilters {
  period?: string | null;
  owner?: OwnerFilter | null;
  pipeline?: string | null;
}

/** As GET /dashboards lists it (no layout). */
export interface DashboardSummary {
  id: string;
  name: Label;
  description?: Label | null;
  folder_id: string | null;
  owner_id: string | null;
  package?: string | null;
  key?: string | null;
  can_edit: boolean;
  version: number;
  created_at?: string | null;
  updated_at?: string | null;
  deleted_at?: string | null;
}

export interface Dashboard extends DashboardSummary {
  layout: Widget[];
  filters: DashboardFilters;
}

export interface DashboardInput {
  name: Label;
  description?: Label | null;
  folder_id?: string | null;
  layout: Widget[];
  filters: DashboardFilters;
}

/** A column of a report's answer: what its keys and values are. */
export interface ResultColumn {
  key: string;
  kind: 'row_group' | 'column_group' | 'aggregate' | 'detail';
  label?: string;
  type?: string;
  bucket?: string | null;
  op?: string;
  field?: string | null;
  field_label?: string;
  options?: string[];
  target?: string;
  percent_of_total?: boolean;
}

export interface ResultGroup {
  key: Record<string, unknown>;
  values: Record<string, unknown>;
}

/** A report's answer (summary, matrix or tabular; the parts a widget draws). */
export interface ReportResult {
  type: 'tabular' | 'summary' | 'matrix';
  object: string;
  columns: ResultColumn[];
  groups?: ResultGroup[];
  subtotals?: (ResultGroup & { level: number })[];
  row_totals?: ResultGroup[];
  column_totals?: ResultGroup[];
  records?: Record<string, unknown>[];
  next_cursor?: string | null;
  totals: Record<string, unknown>;
  truncated?: boolean;
  /** The tenant's currency, which money values are in (when the report has any). */
  currency?: string;
  /** Currencies without an exchange rate: their amounts are left out of the money values. */
  warnings?: RateWarning[];
}

export interface RateWarning {
  code: 'exchange_rate_missing';
  currency: string;
  field: string;
}

export interface KpiResult {
  value: number | string | null;
  target: number | string | null;
  previous: number | string | null;
  trend_percent: number | string | null;
  value_name?: string;
  column?: ResultColumn | null;
  currency?: string;
  warnings?: RateWarning[];
}

export interface WidgetError {
  status: number;
  code?: string | null;
  errors?: { field?: string | null; code?: string | null }[];
}

/** One widget's part of a run: its result, or its own error (the others still answer). */
export interface WidgetRun {
  id: string;
  kind: WidgetKind;
  result?: ReportResult | KpiResult | Record<string, unknown>;
  error?: WidgetError;
  report?: { id: string; name: Label } | null;
  chart?: ChartConfig | null;
  /** A report widget's sort, as its report stores it (keys are groupings or value names). */
  sort?: { key: string; direction: 'asc' | 'desc' }[];
  filters_ignored?: string[];
  /** When the answer was computed (kept answers are given as they were for a few minutes). */
  as_of?: string | null;
  /** The answer was kept, not computed for this request. */
  cached?: boolean;
}

export interface DashboardRun {
  widgets: WidgetRun[];
  filters?: DashboardFilters;
}

export interface HomeChoice {
  dashboard_id: string | null;
  source: 'user' | 'role' | null;
}

export interface ReportFolder {
  id: string;
  name: Label;
  owner_id: string | null;
  sharing: unknown;
  package?: string | null;
  key?: string | null;
  can_manage: boolean;
  updated_at?: string | null;
}

export interface ReportSummary {
  id: string;
  name: Label;
  description?: Label | null;
  folder_id: string | null;
  object: string;
  type: 'tabular' | 'summary' | 'matrix';
  chart?: ChartConfig | null;
  owner_id?: string | null;
  can_edit?: boolean;
  version?: number;
  updated_at?: string | null;
}

/** A saved report with its definition (what a KPI widget's value names come from). */
export interface Report extends ReportSummary {
  definition: {
    object: string;
    type: string;
    aggregates?: { op: string; field?: string | null; percent_of_total?: boolean }[];
    [k: string]: unknown;
  };
}

export const dashboardsApi = {
  list(params: { folder_id?: string | null; deleted?: boolean } = {}, signal?: AbortSignal) {
    return request<{ dashboards: DashboardSummary[] }>(
      `/api/v1/dashboards${qs({ folder_id: params.folder_id, deleted: params.deleted ? 'true' : undefined })}`,
      { signal },
    );
  },
  /** The dashboard with its layout; the first time, the one boot asked for (a dashboard URL). */
  get(id: string, signal?: AbortSignal) {
    const prefetched = takePrefetchedDashboard(id) as Promise<Dashboard> | undefined;
    return prefetched ?? request<Dashboard>(`/api/v1/dashboards/${enc(id)}`, { signal });
  },
  create(body: DashboardInput) {
    return request<Dashboard>('/api/v1/dashboards', { method: 'POST', body });
  },
  /** A stale `version` answers 412 (someone else saved in between). */
  update(id: string, version: number, changes: Partial<DashboardInput>) {
    return request<Dashboard>(`/api/v1/dashboards/${enc(id)}`, { method: 'PATCH', body: { ...changes, version } });
  },
  /** Into the recycle bin. */
  remove(id: string, version: number) {
    return request<void>(`/api/v1/dashboards/${enc(id)}`, { method: 'DELETE', headers: { 'If-Match': `"${version}"` } });
  },
  restore(id: string) {
    return request<Dashboard>(`/api/v1/dashboards/${enc(id)}/restore`, { method: 'POST' });
  },
  /** Every widget for the reader, or those of `widgets`; `filters` override the dashboard's
   * own key by key. Kept answers come as they were (`cached`, `as_of`) unless `refresh`. */
  run(id: string, filters?: DashboardFilters, signal?: AbortSignal, widgets?: string[], refresh?: boolean) {
    return request<DashboardRun>(`/api/v1/dashboards/${enc(id)}/run`, {
      method: 'POST',
      body: { ...(filters ? { filters } : {}), ...(widgets ? { widgets } : {}), ...(refresh ? { refresh: true } : {}) },
      signal,
    });
  },
  home(signal?: AbortSignal) {
    return request<HomeChoice>('/api/v1/dashboards/home', { signal });
  },
  setHome(dashboardId: string | null) {
    return request<HomeChoice>('/api/v1/dashboards/home', { method: 'PUT', body: { dashboard_id: dashboardId } });
  },
  /** Administrators: a role's home dashboard (null removes it). */
  setRoleHome(roleId: string, dashboardId: string | null) {
    return request<unknown>(`/api/v1/dashboards/home/roles/${enc(roleId)}`, { method: 'PUT', body: { dashboard_id: dashboardId } });
  },

  folders(signal?: AbortSignal) {
    return request<{ folders: ReportFolder[] }>('/api/v1/report-folders', { signal });
  },
  reports(params: { q?: string | null; folder_id?: string | null } = {}, signal?: AbortSignal) {
    return request<{ reports: ReportSummary[] }>(`/api/v1/reports${qs({ q: params.q, folder_id: params.folder_id })}`, { signal });
  },
  report(id: string, signal?: AbortSignal) {
    return request<Report>(`/api/v1/reports/${enc(id)}`, { signal });
  },
};

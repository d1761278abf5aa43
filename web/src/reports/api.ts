/**
 * The reports API as the web app calls it: folders, saved reports, runs, exports and the
 * analytics settings (issue 14's contract, /work/shared c14).
 *
 * The definition's parts (groupings, measures, sort) come from the server's declared models in
 * schema.gen.ts. The saved-report, folder, export and settings routes were built in parallel
 * with these screens, so their shapes are written out here from the contract — this module is
 * the one place to switch to generated types once `make api-types` declares them (the answers
 * of `run` are plain dicts on the server and stay spelled out here, like records in types.ts).
 */
import { ApiError, buildHeaders, parseProblem, qs, request } from '../api/client';
import type { components, paths } from '../api/schema.gen';
import type { FilterNode, Labels, RecordData } from '../api/types';

/**
 * Compiles only while the server declares the routes this module calls and that are on main
 * (schema.gen.ts): a renamed route fails the type check here. Add the saved-report routes when
 * they land.
 */
export type DeclaredRoutes = [paths['/api/v1/reports/run']['post']];

type Schemas = components['schemas'];

export type ReportType = 'tabular' | 'summary' | 'matrix';
export const REPORT_TYPES: ReportType[] = ['tabular', 'summary', 'matrix'];
export type Grouping = Schemas['Grouping'];
export type Bucket = NonNullable<Grouping['bucket']>;
export const BUCKETS: Bucket[] = ['day', 'week', 'month', 'quarter', 'year', 'fiscal_quarter', 'fiscal_year'];
export type Measure = Schemas['Measure'];
export type AggregateOp = Measure['op'];
export const AGGREGATE_OPS: AggregateOp[] = ['count', 'sum', 'avg', 'min', 'max', 'count_distinct'];
export type ReportSort = Schemas['ReportSort'];

/** What a report computes (POST /reports/run's body without `drill` and `cursor`). */
export interface ReportDefinition {
  object: string;
  type: ReportType;
  filter?: FilterNode | null;
  group_by: Grouping[];
  column_group_by: Grouping[];
  aggregates: Measure[];
  columns?: string[] | null;
  sort: ReportSort[];
  limit?: number | null;
  date_field?: string | null;
}
/** Compiles only while the app's definition is a body the server's run route accepts. */
export const DEFINITION_IS_A_RUN_BODY: ReportDefinition extends Omit<Schemas['RunBody'], 'filter' | 'drill' | 'cursor'> ? true : never = true;

export type ChartType = 'bar' | 'stacked_bar' | 'line' | 'area' | 'pie' | 'donut' | 'funnel' | 'kpi' | 'table';
export const CHART_TYPES: ChartType[] = ['bar', 'stacked_bar', 'line', 'area', 'pie', 'donut', 'funnel', 'kpi', 'table'];
/** A report's chart as stored with it: `x` and `series` name groupings, `value` a value name. */
export interface ChartSpec {
  type: ChartType;
  x?: string | null;
  series?: string | null;
  value?: string | null;
  /** A KPI's goal. */
  target?: number | null;
  /** Bars drawn left to right. */
  horizontal?: boolean;
}

/** A name or description: plain text (`{"": text}`) or text per language. */
export type ReportText = string | Labels | Record<string, string> | null;

export type SharingScope = 'private' | 'all' | 'roles' | 'departments';
export interface Sharing {
  scope: SharingScope;
  roles?: string[];
  departments?: string[];
}
export interface ReportFolder {
  id: string;
  name: ReportText;
  owner_id: string;
  sharing: Sharing | null;
  package: string | null;
  key: string | null;
  can_manage: boolean;
  updated_at: string;
}

/** A report as GET /reports lists it. */
export interface ReportSummary {
  id: string;
  name: ReportText;
  description: ReportText;
  folder_id: string | null;
  object: string;
  type: ReportType;
  chart: ChartSpec | null;
  owner_id: string;
  package: string | null;
  key: string | null;
  can_edit: boolean;
  version: number;
  updated_at: string;
  deleted_at?: string | null;
}
/** A report as GET /reports/{id} answers it: the list's fields and the definition. */
export interface SavedReport extends ReportSummary {
  definition: ReportDefinition;
}
export interface ReportInput {
  name?: string | Record<string, string>;
  description?: string | Record<string, string> | null;
  folder_id?: string | null;
  definition?: ReportDefinition;
  chart?: ChartSpec | null;
}

// --- Results (POST …/run) ---
export type ColumnKind = 'row_group' | 'column_group' | 'aggregate' | 'detail';
/** What a result's keys and values are, labelled in the reader's language by the server. */
export interface ResultColumn {
  key: string;
  kind: ColumnKind;
  label?: string;
  /** The field's type (a grouping, a detail column, or the field an aggregate reads). */
  type?: string;
  bucket?: Bucket | null;
  op?: AggregateOp;
  field?: string | null;
  field_label?: string;
  /** A picklist's option values (their labels are in the object's metadata). */
  options?: string[];
  /** A reference's target object (its keys are record ids). */
  target?: string;
  percent_of_total?: boolean;
}
export type GroupKey = Record<string, unknown>;
export type Values = Record<string, number | string | null | undefined>;
export interface ResultGroup {
  key: GroupKey;
  values: Values;
}
export interface Subtotal extends ResultGroup {
  /** How many groupings its key has (1 … groupings − 1). */
  level: number;
}
interface ResultBase {
  object: string;
  columns: ResultColumn[];
  totals: Values;
}
export interface SummaryResult extends ResultBase {
  type: 'summary';
  groups: ResultGroup[];
  subtotals: Subtotal[];
  truncated: boolean;
}
export interface MatrixResult extends ResultBase {
  type: 'matrix';
  groups: ResultGroup[];
  row_totals: ResultGroup[];
  column_totals: ResultGroup[];
  truncated: boolean;
}
export interface TabularResult extends ResultBase {
  type: 'tabular';
  records: RecordData[];
  next_cursor: string | null;
  /** A drill-down's filter: the report's and the group's conditions ("open as list"). */
  filter?: FilterNode;
}
export type ReportResult = SummaryResult | MatrixResult | TabularResult;
export type GroupedResult = SummaryResult | MatrixResult;

export interface RunOptions {
  drill?: GroupKey | null;
  cursor?: string | null;
  /** An extra filter ANDed to a saved report's (dashboards). */
  filter?: FilterNode | null;
}

export interface AnalyticsSettings {
  fiscal_year_start_month: number;
}

export type ExportFormat = 'xlsx' | 'csv';

const enc = encodeURIComponent;
const ifMatch = (version: number | undefined) => (version === undefined ? undefined : { 'If-Match': String(version) });

/** The body without its unset parts: a `null` the server would store, or `undefined`. */
function withoutEmpty<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && v !== null)) as T;
}

export const reportsApi = {
  folders(signal?: AbortSignal) {
    return request<{ folders: ReportFolder[] }>('/api/v1/report-folders', { signal });
  },
  createFolder(body: { name: string; sharing?: Sharing }) {
    return request<ReportFolder>('/api/v1/report-folders', { method: 'POST', body });
  },
  updateFolder(id: string, body: { name?: string; sharing?: Sharing }) {
    return request<ReportFolder>(`/api/v1/report-folders/${enc(id)}`, { method: 'PATCH', body });
  },
  /** 409 `folder_not_empty` while reports or dashboards are in it. */
  deleteFolder(id: string) {
    return request<void>(`/api/v1/report-folders/${enc(id)}`, { method: 'DELETE' });
  },

  list(params: { folder_id?: string | null; q?: string | null; deleted?: boolean }, signal?: AbortSignal) {
    return request<{ reports: ReportSummary[] }>(
      `/api/v1/reports${qs({ folder_id: params.folder_id, q: params.q, deleted: params.deleted ? 'true' : undefined })}`,
      { signal },
    );
  },
  get(id: string, signal?: AbortSignal) {
    return request<SavedReport>(`/api/v1/reports/${enc(id)}`, { signal });
  },
  create(body: ReportInput) {
    return request<SavedReport>('/api/v1/reports', { method: 'POST', body: withoutEmpty(body) });
  },
  /** 412 `stale_version` when someone saved it since `version`. */
  update(id: string, version: number, body: ReportInput) {
    return request<SavedReport>(`/api/v1/reports/${enc(id)}`, { method: 'PATCH', body, headers: ifMatch(version) });
  },
  /** Into the recycle bin. */
  remove(id: string, version?: number) {
    return request<void>(`/api/v1/reports/${enc(id)}`, { method: 'DELETE', headers: ifMatch(version) });
  },
  restore(id: string) {
    return request<SavedReport>(`/api/v1/reports/${enc(id)}/restore`, { method: 'POST' });
  },

  /** An unsaved definition (the builder's preview and drill-downs). */
  run(definition: ReportDefinition, opts: RunOptions = {}, signal?: AbortSignal) {
    return request<ReportResult>('/api/v1/reports/run', {
      method: 'POST',
      body: withoutEmpty({ ...definition, drill: opts.drill, cursor: opts.cursor }),
      signal,
    });
  },
  /** A saved report, as its reader may see it (403 `report_field_hidden` when they lost a field). */
  runSaved(id: string, opts: RunOptions = {}, signal?: AbortSignal) {
    return request<ReportResult>(`/api/v1/reports/${enc(id)}/run`, { method: 'POST', body: withoutEmpty({ ...opts }), signal });
  },

  settings(signal?: AbortSignal) {
    return request<AnalyticsSettings>('/api/v1/analytics/settings', { signal });
  },
};

/** Where an export is asked for: a saved report's, or an unsaved definition's. */
export function exportPath(format: ExportFormat, reportId?: string | null): string {
  return reportId ? `/api/v1/reports/${enc(reportId)}/export${qs({ format })}` : `/api/v1/reports/export${qs({ format })}`;
}

/** The file name the server suggests (Content-Disposition), else `fallback`. */
export function attachmentName(disposition: string | null, fallback: string): string {
  if (!disposition) return fallback;
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      /* fall through */
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1].trim() : fallback;
}

/**
 * Export a report and hand the file to the browser. The export is a POST (an unsaved
 * definition travels in the body, and exports are not cached), so the browser cannot simply
 * follow a link: the streamed answer is read into a blob and saved through an `<a download>`.
 */
export async function downloadExport(format: ExportFormat, opts: { reportId?: string | null; definition?: ReportDefinition; name: string }): Promise<void> {
  const body = opts.reportId ? undefined : opts.definition;
  const res = await fetch(exportPath(format, opts.reportId), {
    method: 'POST',
    headers: buildHeaders('POST', body !== undefined),
    body: body === undefined ? undefined : JSON.stringify(withoutEmpty(body)),
    credentials: 'same-origin',
  }).catch((e: unknown) => {
    throw new ApiError(0, { status: 0, title: 'network', detail: e instanceof Error ? e.message : String(e) });
  });
  if (!res.ok) throw new ApiError(res.status, await parseProblem(res));
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  try {
    const a = document.createElement('a');
    a.href = url;
    a.download = attachmentName(res.headers.get('Content-Disposition'), `${opts.name || 'report'}.${format}`);
    document.body.appendChild(a);
    a.click();
    a.remove();
  } finally {
    // Revoked after the click has handed the blob to the download.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}

let fiscalStart: Promise<number> | null = null;
/**
 * The tenant's fiscal year start month (1–12), asked once per page load: fiscal quarter labels
 * (FY2026 Q1) depend on it. January when the settings cannot be read.
 */
export function fiscalStartMonth(): Promise<number> {
  fiscalStart ??= reportsApi
    .settings()
    .then((s) => (Number.isInteger(s.fiscal_year_start_month) && s.fiscal_year_start_month >= 1 && s.fiscal_year_start_month <= 12 ? s.fiscal_year_start_month : 1))
    .catch(() => 1);
  return fiscalStart;
}
/** Forget the cached setting (tests, and after an administrator changed it). */
export function resetFiscalStartMonth(): void {
  fiscalStart = null;
}

/** A report's or folder's name in the reader's language (plain text is stored under ""). */
export function textOf(value: ReportText | undefined, lang: string): string {
  if (!value) return '';
  if (typeof value === 'string') return value;
  const byLang = value as Record<string, string | undefined>;
  return byLang[lang] || byLang[''] || byLang.en || byLang['zh-CN'] || Object.values(byLang).find((v) => !!v) || '';
}

/**
 * The reports API as the web app calls it: folders, saved reports, runs, exports and the
 * analytics settings.
 *
 * Request bodies are the server's declared models (schema.gen.ts, `make api-types`), with the
 * app's recursive FilterNode in place of the one-level filter JSON Schema can declare. The
 * answers are plain dicts on the server (a report, a folder, a run's result), so their shapes
 * are written out here, like records in types.ts.
 */
import { ApiError, buildHeaders, parseProblem, qs, request } from '../api/client';
import type { components, paths } from '../api/schema.gen';
import type { FilterNode, Labels, RecordData } from '../api/types';

/**
 * Compiles only while the server declares the routes this module calls (schema.gen.ts): a
 * renamed route fails the type check here.
 */
export type DeclaredRoutes = [
  paths['/api/v1/reports/run']['post'],
  paths['/api/v1/reports']['get'],
  paths['/api/v1/reports']['post'],
  paths['/api/v1/reports/{report_id}']['get'],
  paths['/api/v1/reports/{report_id}']['patch'],
  paths['/api/v1/reports/{report_id}']['delete'],
  paths['/api/v1/reports/{report_id}/restore']['post'],
  paths['/api/v1/reports/{report_id}/run']['post'],
  paths['/api/v1/reports/export']['post'],
  paths['/api/v1/reports/{report_id}/export']['post'],
  paths['/api/v1/report-folders']['get'],
  paths['/api/v1/report-folders']['post'],
  paths['/api/v1/report-folders/{folder_id}']['patch'],
  paths['/api/v1/report-folders/{folder_id}']['delete'],
  paths['/api/v1/analytics/settings']['get'],
];

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
/** Compiles only while the app's definition is the server's (its filter aside). */
export const DEFINITION_IS_DECLARED: ReportDefinition extends Omit<Schemas['ReportDefinition'], 'filter'> ? true : never = true;

/** A report's chart as stored with it: `x` and `series` name groupings, `value` a value name,
 * `target` a KPI's goal (a decimal: a number or its text), `horizontal` bars left to right. */
export type ChartSpec = Schemas['Chart'];
export type ChartType = ChartSpec['type'];
export const CHART_TYPES: ChartType[] = ['bar', 'stacked_bar', 'line', 'area', 'pie', 'donut', 'funnel', 'kpi', 'table'];

/** A name or description: plain text (`{"": text}`) or text per language. */
export type ReportText = string | Labels | Record<string, string> | null;

export type Sharing = Schemas['Sharing'];
export type SharingScope = Sharing['scope'];
export type FolderInput = Schemas['FolderInput'];
export type FolderChange = Schemas['FolderChange'];
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
type WithDefinition<B> = Omit<B, 'definition'> & { definition?: ReportDefinition };
/** A new report (POST) and a change to one (PATCH; the version goes in If-Match). */
export type ReportInput = WithDefinition<Schemas['ReportInput']> & { definition: ReportDefinition };
export type ReportChange = WithDefinition<Omit<Schemas['ReportChange'], 'version'>>;

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
/** Money the report left out: the rows of `currency` have no exchange rate to the tenant's. */
export interface ReportWarning {
  code: 'exchange_rate_missing';
  currency: string;
  field: string;
}
interface ResultBase {
  object: string;
  columns: ResultColumn[];
  totals: Values;
  /** The tenant's currency, which money values are in (when the report has any). */
  currency?: string;
  warnings?: ReportWarning[];
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

/** A run's options (SavedRunBody): a group to drill into, the next page, and an extra filter
 * ANDed to a saved report's (dashboards). */
export type RunOptions = Omit<Schemas['SavedRunBody'], 'filter'> & { filter?: FilterNode | null };

export type AnalyticsSettings = Schemas['AnalyticsSettings'];

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
  createFolder(body: FolderInput) {
    return request<ReportFolder>('/api/v1/report-folders', { method: 'POST', body });
  },
  updateFolder(id: string, body: FolderChange) {
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
  update(id: string, version: number, body: ReportChange) {
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
let fiscalStartKnown: number | null = null;
/**
 * The tenant's fiscal year start month (1–12), asked once per page load: fiscal quarter labels
 * (FY2026 Q1) depend on it. January when the settings cannot be read.
 */
export function fiscalStartMonth(): Promise<number> {
  fiscalStart ??= reportsApi
    .settings()
    .then((s) => (Number.isInteger(s.fiscal_year_start_month) && s.fiscal_year_start_month >= 1 && s.fiscal_year_start_month <= 12 ? s.fiscal_year_start_month : 1))
    .catch(() => 1)
    .then((month) => (fiscalStartKnown = month));
  return fiscalStart;
}
/** The fiscal start month if it has arrived (a chart drawn now needs no second drawing). */
export function knownFiscalStartMonth(): number | null {
  return fiscalStartKnown;
}
/** Forget the cached setting (tests, and after an administrator changed it). */
export function resetFiscalStartMonth(): void {
  fiscalStart = null;
  fiscalStartKnown = null;
}

/** A report's or folder's name in the reader's language (plain text is stored under ""). */
export function textOf(value: ReportText | undefined, lang: string): string {
  if (!value) return '';
  if (typeof value === 'string') return value;
  const byLang = value as Record<string, string | undefined>;
  return byLang[lang] || byLang[''] || byLang.en || byLang['zh-CN'] || Object.values(byLang).find((v) => !!v) || '';
}

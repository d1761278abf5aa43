/**
 * Shapes of the Keyi HTTP API (see docs/api.md), named for the app.
 *
 * They come from schema.gen.ts, which is generated from the server's OpenAPI document
 * (`make api-types`; a test fails when it is stale). What the OpenAPI still declares as a free
 * JSON object — records (their fields are per tenant), and most answers, which routes return as
 * plain dicts — is written out below and says so. Request bodies use the route's declared model
 * as soon as it has one (`BodyOr`).
 */
import type { components, paths } from './schema.gen';

type Schemas = components['schemas'];
type Method = 'post' | 'put' | 'patch';

/** The JSON body an operation takes, as the server declares it. */
export type RequestBody<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer B } };
}
  ? B
  : never;

/**
 * The declared body of an operation, or `Otherwise` while its route still takes a free JSON
 * object (a body model on the server then replaces the app's own spelling at the next
 * `make api-types`, and the type checker shows where they disagree).
 */
export type BodyOr<P extends keyof paths, M extends Method, Otherwise> =
  string extends keyof RequestBody<P, M> ? Otherwise : RequestBody<P, M>;

/** JSON Schema here cannot say that a filter's `and`/`or`/`not` hold filters again: the app's
 * recursive FilterNode replaces the declared (one level deep) shape. */
type WithFilter<B> = Omit<B, 'filter'> & { filter?: FilterNode | null };

export type Lang = 'zh-CN' | 'en';
/** Texts by language ('en', 'zh-CN'), as every label on the server. */
export type Labels = Schemas['ObjectDef']['labels'];

/** Every field type the server knows, including the system-only ones. */
type AnyFieldType = Schemas['FieldType'];
/** Types the server uses for system columns (id, version) and package-defined JSON documents
 * (a segment's filter tree), which no one creates in Setup. */
export type SystemFieldType = Extract<AnyFieldType, 'id' | 'version' | 'json'>;
/** The types a field can be created with. */
export type FieldType = Exclude<AnyFieldType, SystemFieldType>;
export const FIELD_TYPES = [
  'text',
  'long_text',
  'integer',
  'decimal',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
  'email',
  'phone',
  'url',
  'picklist',
  'multi_picklist',
  'lookup',
  'master_detail',
  'owner',
  'auto_number',
  'formula',
  'rollup',
] as const satisfies readonly FieldType[];
/** Compiles only while FIELD_TYPES names every type the server declares. */
export const FIELD_TYPES_COMPLETE: Exclude<FieldType, (typeof FIELD_TYPES)[number]> extends never
  ? true
  : never = true;

export type PicklistOption = Schemas['PicklistOption'];
/** A field as GET /metadata/objects/{name} answers it (`read_only`: for this reader). */
export type FieldMeta = Schemas['FieldDef'];
export type ObjectFeatures = Schemas['ObjectFeatures'];
/** A titled group of fields on the record page. */
export type LayoutSection = Schemas['LayoutSection'];
export type Layout = Schemas['Layout'];

/** An object as GET /metadata/objects/{name} answers it: its definition plus what this reader
 * may do with it and which objects point at it (sharing rules, sent to administrators only, are
 * read by Setup: pages/setup/api.ts). */
export type ObjectMeta = Omit<Schemas['ObjectDef'], 'fields' | 'sharing_rules' | 'name_field'> & {
  /** Always sent (the definition's default is 'name'). */
  name_field: string;
  fields: FieldMeta[];
  permissions?: Partial<Record<'read' | 'create' | 'edit' | 'delete', boolean>>;
  related?: { object: string; field: string }[];
};

// --- Not described by the OpenAPI yet (free JSON objects there). ---

export interface RecordData {
  id: string;
  version?: number;
  created_at?: string;
  updated_at?: string;
  created_by?: string | null;
  updated_by?: string | null;
  owner_id?: string | null;
  _display?: Record<string, string | null | undefined>;
  [field: string]: unknown;
}

export type FilterOp =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'in'
  | 'contains'
  | 'starts_with'
  | 'is_null'
  | 'between';

export interface FilterCondition {
  field: string;
  op: FilterOp;
  value?: unknown;
}
export type FilterNode = { and: FilterNode[] } | { or: FilterNode[] } | { not: FilterNode } | FilterCondition;

export interface SortSpec {
  field: string;
  direction: 'asc' | 'desc';
}

export type QueryBody = WithFilter<BodyOr<
  '/api/v1/records/{object_name}/query',
  'post',
  {
    filter?: FilterNode | null;
    sort?: SortSpec[];
    fields?: string[];
    limit?: number;
    cursor?: string | null;
    q?: string | null;
  }
>>;

export interface RecordPage {
  records: RecordData[];
  next_cursor: string | null;
}

export type AggregateBody = WithFilter<BodyOr<
  '/api/v1/records/{object_name}/aggregate',
  'post',
  {
    filter?: FilterNode | null;
    group_by?: { field: string; bucket?: string }[];
    aggregates: { op: 'count' | 'sum' | 'avg' | 'min' | 'max'; field?: string }[];
    /** The list's quick search, so counts and totals match the rows shown. */
    q?: string | null;
  }
>>;
export interface AggregateResult {
  groups: { key: Record<string, unknown>; values: Record<string, number | null> }[];
}

export interface HistoryEntry {
  id: string;
  at: string;
  by?: string | null;
  by_name?: string | null;
  operation: 'create' | 'update' | 'delete' | 'restore' | 'erase';
  /** `_display`: titles of the records a changed reference names (when the reader may see them). */
  changes: { field: string; old: unknown; new: unknown; _display?: { old?: string; new?: string } }[];
}

export interface SearchHit {
  object: string;
  id: string;
  title: string;
  score?: number;
}

export interface User {
  id: string;
  name: string;
  email: string;
  is_admin?: boolean;
  /** The user's preferred UI language, if the server knows it. */
  language?: string | null;
  phone?: string | null;
}
export interface Tenant {
  name: string;
  label?: string | null;
  currency?: string | null;
  locale?: string | null;
  time_zone?: string | null;
}
export interface Session {
  user: User;
  tenant: Tenant;
}
export interface LoginAnswer extends Session {
  token?: string;
}

export interface ProblemFieldError {
  field?: string | null;
  code?: string | null;
  message: string;
}
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  errors?: ProblemFieldError[];
  [k: string]: unknown;
}

/** A saved list view (GET/POST/PATCH /api/v1/views): personal, or shared by an administrator. */
export interface SavedView {
  id: string;
  object: string;
  name: string;
  owner_id: string;
  shared: boolean;
  filter: FilterNode | null;
  sort: SortSpec[] | null;
  columns: string[] | null;
  q: string | null;
  updated_at?: string;
}
export type SavedViewInput = WithFilter<BodyOr<
  '/api/v1/views/{view_id}',
  'patch',
  Partial<Pick<SavedView, 'name' | 'shared' | 'filter' | 'sort' | 'columns' | 'q'>> & { object?: string }
>>;

// --- Request bodies the server declares. ---
export type LoginBody = Schemas['LoginBody'];
export type AcceptInviteBody = Schemas['AcceptBody'];
export type ProfileBody = Schemas['ProfileBody'];
export type ForgotPasswordBody = Schemas['ForgotBody'];
export type ResetPasswordBody = Schemas['ResetBody'];
export type ChangePasswordBody = Schemas['ChangePasswordBody'];
export type TotpCodeBody = Schemas['CodeBody'];
export type PasswordBody = Schemas['PasswordBody'];
export type MarkReadBody = Schemas['MarkReadBody'];
export type NotificationPreferencesBody = Schemas['PreferencesBody'];

// --- Notifications (the routes answer plain dicts; spelled out here). ---
/** Where a notification leads: a record (`object`, `record_id`) or a page; `path` always. */
export interface NotificationLink {
  path: string;
  object?: string;
  record_id?: string;
}
export interface AppNotification {
  id: string;
  title: string;
  body: string;
  link: NotificationLink | null;
  /** What sent it: "flow", "approval", "system", ... */
  source: string;
  created_at: string;
  read_at: string | null;
}
export interface NotificationPage {
  notifications: AppNotification[];
  unread: number;
  next_cursor: string | null;
}
export interface NotificationPreferences {
  email: boolean;
  /** False when the installation has no SMTP relay: the switch is hidden. */
  email_available: boolean;
}

// --- Approvals (审批; the routes answer plain dicts; spelled out here). ---
export type ApprovalBox = 'pending' | 'submitted' | 'done';
export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'recalled';
/** Where a step is: decided, waiting for its approvers, skipped (its condition was false), or not reached. */
export type ApprovalStepState = 'done' | 'current' | 'skipped' | 'pending';
/** One approver's part in a step: `delegated` when handed on, `cancelled` when the step ended without them. */
export interface ApprovalTask {
  id: string;
  approver_id: string;
  approver_name: string | null;
  status: 'pending' | 'approved' | 'rejected' | 'delegated' | 'cancelled' | string;
  acted_at: string | null;
  comment: string | null;
  /** The approver who handed this task on, when it was delegated. */
  delegated_from: string | null;
}
export interface ApprovalStep {
  index: number;
  labels: Labels;
  /** `all`: every approver must approve (会签); `any`: the first decision counts (或签). */
  mode: 'all' | 'any';
  state: ApprovalStepState;
  tasks: ApprovalTask[];
}
/** What happened, in order: submitted, approved, rejected, delegated (`to`), skipped, recalled, finished:<status>. */
export interface ApprovalTrailEntry {
  at: string;
  actor_id: string | null;
  action: string;
  step?: number;
  comment?: string;
  to?: string;
}
export interface Approval {
  id: string;
  process: string;
  process_labels: Labels;
  object: string;
  record_id: string;
  record_title: string;
  submitter_id: string | null;
  submitter_name: string | null;
  status: ApprovalStatus;
  /** The index of the current (or last) step. */
  step: number;
  steps: ApprovalStep[];
  trail: ApprovalTrailEntry[];
  submitted_at: string;
  finished_at: string | null;
  /** The caller approves the current step and has not acted yet. */
  can_act: boolean;
  /** The caller submitted it and it is still pending. */
  can_recall: boolean;
}
export interface ApprovalPage {
  approvals: Approval[];
  next_cursor: string | null;
  counts: { pending: number };
}
export type ApprovalDecision = 'approve' | 'reject' | 'recall';
export type SubmissionBody = Schemas['Submission'];

/** An approval process as Setup › Approval processes edits it (POST/PUT body). */
export type ProcessDef = Schemas['ProcessDef'];
export type ProcessStep = Schemas['Step'];
export type ProcessApprover = Schemas['Approver'];
export type ApproverType = ProcessApprover['type'];
/** A saved process: its definition with the server's id and version (If-Match on PUT). */
export type ApprovalProcess = ProcessDef & { id: string; version: number; created_at: string; updated_at: string };

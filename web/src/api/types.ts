/** Shapes of the Keyi HTTP API (see docs/api.md). */

export type Lang = 'zh-CN' | 'en';
export type Labels = Partial<Record<Lang, string>> & Record<string, string | undefined>;

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
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** Types the server uses for system columns (id, version); rendered as text / integer. */
export type SystemFieldType = 'id' | 'version';

export interface PicklistOption {
  value: string;
  labels: Labels;
  color?: string | null;
}

export interface FieldMeta {
  name: string;
  type: FieldType | SystemFieldType;
  labels: Labels;
  help?: Labels | null;
  required?: boolean;
  unique?: boolean;
  read_only?: boolean;
  default?: unknown;
  options?: PicklistOption[] | null;
  target?: string | null;
  expression?: string | null;
  pattern?: string | null;
  return_type?: FieldType | string | null;
  max_length?: number | null;
  precision?: number | null;
  scale?: number | null;
}

export interface ObjectFeatures {
  owner?: boolean;
  activities?: boolean;
  search?: boolean;
  [k: string]: boolean | undefined;
}

/** A titled group of fields on the record page (server extension of the contract). */
export interface LayoutSection {
  key: string;
  labels: Labels;
  fields: string[];
  columns?: number;
  collapsed?: boolean;
}
export interface Layout {
  sections: LayoutSection[];
  /** "child_object.lookup_field" entries; null/absent shows every child. */
  related_lists?: string[] | null;
}

export interface ObjectMeta {
  name: string;
  labels: Labels;
  plural_labels?: Labels | null;
  name_field: string;
  icon?: string | null;
  custom?: boolean;
  /** The package that defined it: 'core' (organisation), 'sales', ...; null for custom objects. */
  package?: string | null;
  features?: ObjectFeatures;
  fields: FieldMeta[];
  /** Optional extensions the server may send. */
  permissions?: Partial<Record<'read' | 'create' | 'edit' | 'delete', boolean>>;
  layout?: Layout | null;
  related?: { object: string; field: string }[];
}

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

export interface QueryBody {
  filter?: FilterNode | null;
  sort?: SortSpec[];
  fields?: string[];
  limit?: number;
  cursor?: string | null;
  q?: string | null;
}

export interface RecordPage {
  records: RecordData[];
  next_cursor: string | null;
}

export interface AggregateBody {
  filter?: FilterNode | null;
  group_by?: { field: string; bucket?: string }[];
  aggregates: { op: 'count' | 'sum' | 'avg' | 'min' | 'max'; field?: string }[];
  /** The list's quick search, so counts and totals match the rows shown. */
  q?: string | null;
}
export interface AggregateResult {
  groups: { key: Record<string, unknown>; values: Record<string, number | null> }[];
}

export interface HistoryEntry {
  id: string;
  at: string;
  by?: string | null;
  by_name?: string | null;
  operation: 'create' | 'update' | 'delete' | 'restore';
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
export type SavedViewInput = Partial<Pick<SavedView, 'name' | 'shared' | 'filter' | 'sort' | 'columns' | 'q'>> & { object?: string };

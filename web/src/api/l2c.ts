/**
 * The lead-to-cash endpoints: record/object actions, lead conversion and receivables.
 *
 * Typed by hand from the issue-13 API contract while the backend branches land; the answers are
 * plain dicts on the server, so these spellings stay the app's (like records in types.ts).
 */
import { qs, request } from './client';
import type { components, paths } from './schema.gen';
import type { Labels } from './types';

/**
 * Compiles only while the server declares the routes this module calls (schema.gen.ts, from
 * `make api-types`): a renamed route fails the type check here.
 */
export type DeclaredRoutes = [
  paths['/api/v1/l2c/receivables']['get'],
  paths['/api/v1/records/{object_name}/{record_id}/actions']['get'],
  paths['/api/v1/records/lead/{record_id}/convert']['post'],
  paths['/api/v1/records/lead/{record_id}/conversion_matches']['get'],
];

const enc = encodeURIComponent;

/** A JSON Schema as an action declares its input (pydantic's model_json_schema, simplified). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  format?: string;
  enum?: (string | number)[];
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  /** The input names a record of this object (keyi: a lookup picker in the form). */
  'x-keyi-lookup'?: string;
  /** The input is an idempotency key the form makes once per opening (never shown). */
  'x-keyi-request-key'?: boolean;
}

/** One entry of GET /records/{object}/{id}/actions. */
export interface RecordAction {
  name: string;
  /** Already in the request's language (Accept-Language), or labels by language. */
  label: string | Labels;
  method: 'GET' | 'POST';
  available: boolean;
  /** Shown in the web app's menu (false: an API-only action). */
  menu?: boolean;
  media_type?: string | null;
  input_schema?: JsonSchema | null;
  /** Why it is not available, when the server says. */
  reason?: string | null;
}

// Lead conversion: the server declares these (packages/sales/conversion.py).
export type ConversionCandidate = components['schemas']['Match'];
export type ConversionMatches = components['schemas']['Matches'];
export type ConvertBody = components['schemas']['ConvertInput'];
export type ConvertResult = components['schemas']['ConvertResult'];

export type AgingBucket = 'current' | 'd0_30' | 'd31_60' | 'd61_90' | 'd90_plus';
export const AGING_BUCKETS: AgingBucket[] = ['current', 'd0_30', 'd31_60', 'd61_90', 'd90_plus'];
export interface ReceivableAmounts {
  outstanding: string;
  overdue: string;
  buckets: Record<AgingBucket, string>;
}
export interface ReceivableRow extends ReceivableAmounts {
  /** Null for plans without an account (or owner). */
  id: string | null;
  name: string;
}
export interface Receivables {
  as_of: string;
  currency: string;
  totals: ReceivableAmounts;
  rows: ReceivableRow[];
  next_cursor: string | null;
}

export const l2cApi = {
  /** The actions of a record, for its action menu (available or not). */
  actions(object: string, id: string, signal?: AbortSignal) {
    return request<{ items: RecordAction[] }>(`/api/v1/records/${enc(object)}/${enc(id)}/actions`, { signal });
  },
  /** Run a POST record action; the answer is the action's own JSON (often `{…_id}`). */
  runAction<T = Record<string, unknown>>(object: string, id: string, action: string, payload?: unknown) {
    return request<T>(`/api/v1/records/${enc(object)}/${enc(id)}/${enc(action)}`, {
      method: 'POST',
      // No body for an action without input (its route declares none).
      body: payload === undefined || payload === null ? undefined : payload,
    });
  },
  /** URL of a GET action (a PDF): opened by the browser with the session cookie. */
  actionUrl(object: string, id: string, action: string) {
    return `/api/v1/records/${enc(object)}/${enc(id)}/${enc(action)}`;
  },

  conversionMatches(leadId: string, signal?: AbortSignal) {
    return request<ConversionMatches>(`/api/v1/records/lead/${enc(leadId)}/conversion_matches`, { signal });
  },
  /** 409 `duplicates_found` (with the candidates) when no account was picked and one exists. */
  convert(leadId: string, body: ConvertBody) {
    return request<ConvertResult>(`/api/v1/records/lead/${enc(leadId)}/convert`, { method: 'POST', body });
  },

  receivables(params: { group_by: 'account' | 'owner'; as_of?: string | null; limit?: number; cursor?: string | null }, signal?: AbortSignal) {
    return request<Receivables>(
      `/api/v1/l2c/receivables${qs({ group_by: params.group_by, as_of: params.as_of, limit: params.limit ?? 50, cursor: params.cursor })}`,
      { signal },
    );
  },
};

import { qs, request } from './client';
import type {
  AggregateBody,
  AggregateResult,
  FieldMeta,
  FilterNode,
  HistoryEntry,
  Labels,
  LoginAnswer,
  ObjectMeta,
  QueryBody,
  RecordData,
  RecordPage,
  SearchHit,
  Session,
} from './types';

const enc = encodeURIComponent;

export const api = {
  login(email: string, password: string, tenant?: string | null) {
    const body: Record<string, string> = { email, password };
    if (tenant) body.tenant = tenant;
    return request<LoginAnswer>('/api/v1/auth/login', { method: 'POST', body, skipAuthRedirect: true });
  },
  logout() {
    return request<void>('/api/v1/auth/logout', { method: 'POST', skipAuthRedirect: true });
  },
  me() {
    return request<Session>('/api/v1/me', { skipAuthRedirect: true });
  },

  objects() {
    return request<{ objects: ObjectMeta[] }>('/api/v1/metadata/objects');
  },
  object(name: string) {
    return request<ObjectMeta>(`/api/v1/metadata/objects/${enc(name)}`);
  },
  createObject(body: { name: string; labels: Labels; plural_labels?: Labels }) {
    return request<ObjectMeta>('/api/v1/metadata/objects', { method: 'POST', body });
  },
  addField(object: string, field: Partial<FieldMeta>) {
    return request<FieldMeta>(`/api/v1/metadata/objects/${enc(object)}/fields`, { method: 'POST', body: field });
  },
  updateField(object: string, field: string, patch: Partial<FieldMeta>) {
    return request<FieldMeta>(`/api/v1/metadata/objects/${enc(object)}/fields/${enc(field)}`, {
      method: 'PATCH',
      body: patch,
    });
  },
  deleteField(object: string, field: string) {
    return request<void>(`/api/v1/metadata/objects/${enc(object)}/fields/${enc(field)}`, { method: 'DELETE' });
  },

  /** Quick list (GET form), used by lookups' type-ahead. */
  list(
    object: string,
    params: { limit?: number; cursor?: string | null; sort?: string; fields?: string[]; q?: string; filter?: FilterNode | null },
    signal?: AbortSignal,
  ) {
    return request<RecordPage>(
      `/api/v1/records/${enc(object)}${qs({
        limit: params.limit,
        cursor: params.cursor,
        sort: params.sort,
        fields: params.fields?.join(','),
        q: params.q,
        filter: params.filter ? JSON.stringify(params.filter) : undefined,
      })}`,
      { signal },
    );
  },
  query(object: string, body: QueryBody, signal?: AbortSignal) {
    return request<RecordPage>(`/api/v1/records/${enc(object)}/query`, { method: 'POST', body, signal });
  },
  aggregate(object: string, body: AggregateBody, signal?: AbortSignal) {
    return request<AggregateResult>(`/api/v1/records/${enc(object)}/aggregate`, { method: 'POST', body, signal });
  },
  get(object: string, id: string, signal?: AbortSignal) {
    return request<RecordData>(`/api/v1/records/${enc(object)}/${enc(id)}`, { signal });
  },
  create(object: string, values: Record<string, unknown>) {
    return request<RecordData>(`/api/v1/records/${enc(object)}`, { method: 'POST', body: values });
  },
  update(object: string, id: string, version: number | string | undefined, values: Record<string, unknown>) {
    const headers: Record<string, string> = {};
    if (version !== undefined && version !== null) headers['If-Match'] = String(version);
    return request<RecordData>(`/api/v1/records/${enc(object)}/${enc(id)}`, { method: 'PATCH', body: values, headers });
  },
  remove(object: string, id: string) {
    return request<void>(`/api/v1/records/${enc(object)}/${enc(id)}`, { method: 'DELETE' });
  },
  restore(object: string, id: string) {
    return request<RecordData>(`/api/v1/records/${enc(object)}/${enc(id)}/restore`, { method: 'POST' });
  },
  history(object: string, id: string, signal?: AbortSignal) {
    return request<{ entries: HistoryEntry[] }>(`/api/v1/records/${enc(object)}/${enc(id)}/history`, { signal });
  },

  search(q: string, limit = 20, signal?: AbortSignal) {
    return request<{ hits: SearchHit[] }>(`/api/v1/search${qs({ q, limit })}`, { signal });
  },
};

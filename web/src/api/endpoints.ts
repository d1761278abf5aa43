import { qs, request } from './client';
import type {
  AppNotification,
  Approval,
  ApprovalBox,
  ApprovalDecision,
  ApprovalPage,
  AggregateBody,
  AggregateResult,
  FieldMeta,
  FilterNode,
  HistoryEntry,
  Labels,
  LoginAnswer,
  LoginBody,
  MarkReadBody,
  NotificationPage,
  NotificationPreferences,
  NotificationPreferencesBody,
  ObjectMeta,
  QueryBody,
  RecordData,
  RecordPage,
  SavedView,
  SavedViewInput,
  SearchHit,
  Session,
  SortSpec,
  SubmissionBody,
} from './types';

const enc = encodeURIComponent;

export const api = {
  login(email: string, password: string, tenant?: string | null, totp?: string | null) {
    const body: LoginBody = { email, password };
    if (tenant) body.tenant = tenant;
    if (totp) body.totp = totp;
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
    params: {
      limit?: number;
      cursor?: string | null;
      sort?: string;
      fields?: string[];
      q?: string;
      filter?: FilterNode | null;
      /** The recycle bin instead of live records. */
      deleted?: boolean;
    },
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
        deleted: params.deleted ? 'true' : undefined,
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
  /** Same values on many records; all or nothing (errors keyed "N.field" by position). */
  massUpdate(object: string, ids: string[], values: Record<string, unknown>, versions?: Record<string, number>) {
    return request<{ ids: string[]; versions: Record<string, number> }>(`/api/v1/records/${enc(object)}/mass-update`, {
      method: 'POST',
      body: versions ? { ids, values, versions } : { ids, values },
    });
  },
  massDelete(object: string, ids: string[]) {
    return request<{ deleted: number }>(`/api/v1/records/${enc(object)}/mass-delete`, { method: 'POST', body: { ids } });
  },
  /** URL of the streaming CSV export of a list (GET, so the browser downloads it with the session cookie). */
  exportUrl(
    object: string,
    params: { filter?: FilterNode | null; sort?: SortSpec[]; fields?: string[]; q?: string | null; format?: 'csv' | 'xlsx' },
  ) {
    return `/api/v1/records/${enc(object)}/export${qs({
      filter: params.filter ? JSON.stringify(params.filter) : undefined,
      sort: params.sort?.length ? params.sort.map((s) => (s.direction === 'desc' ? `-${s.field}` : s.field)).join(',') : undefined,
      fields: params.fields?.join(','),
      q: params.q,
      format: params.format === 'xlsx' ? 'xlsx' : undefined,
    })}`;
  },

  views(object: string, signal?: AbortSignal) {
    return request<{ views: SavedView[] }>(`/api/v1/views${qs({ object })}`, { signal });
  },
  createView(body: SavedViewInput & { object: string; name: string }) {
    return request<SavedView>('/api/v1/views', { method: 'POST', body });
  },
  updateView(id: string, body: SavedViewInput) {
    return request<SavedView>(`/api/v1/views/${enc(id)}`, { method: 'PATCH', body });
  },
  deleteView(id: string) {
    return request<void>(`/api/v1/views/${enc(id)}`, { method: 'DELETE' });
  },

  /** A zip of everything held about a contact or lead (administrators; PIPL/GDPR). */
  personalDataExportUrl(object: string, id: string) {
    return `/api/v1/privacy/${enc(object)}/${enc(id)}/export`;
  },
  /** Anonymise a contact or lead, irreversibly (administrators; PIPL/GDPR). */
  erasePersonalData(object: string, id: string, reason: string) {
    return request<{ erased_fields: string[]; already_erased: boolean }>(
      `/api/v1/privacy/${enc(object)}/${enc(id)}/erase`,
      { method: 'POST', body: { reason } },
    );
  },
  history(object: string, id: string, signal?: AbortSignal) {
    return request<{ entries: HistoryEntry[] }>(`/api/v1/records/${enc(object)}/${enc(id)}/history`, { signal });
  },

  search(q: string, limit = 20, signal?: AbortSignal) {
    return request<{ hits: SearchHit[] }>(`/api/v1/search${qs({ q, limit })}`, { signal });
  },

  notifications(params: { unread?: boolean; cursor?: string | null; limit?: number } = {}, signal?: AbortSignal) {
    return request<NotificationPage>(
      `/api/v1/notifications${qs({ unread: params.unread ? 'true' : undefined, cursor: params.cursor, limit: params.limit })}`,
      { signal },
    );
  },
  /** Cheap: the bell polls it. */
  unreadNotifications(signal?: AbortSignal) {
    return request<{ unread: number }>('/api/v1/notifications/unread-count', { signal });
  },
  markNotificationsRead(target: AppNotification['id'][] | 'all') {
    const body: MarkReadBody = target === 'all' ? { all: true } : { ids: target };
    return request<{ marked: number; unread: number }>('/api/v1/notifications/read', { method: 'POST', body });
  },
  notificationPreferences(signal?: AbortSignal) {
    return request<NotificationPreferences>('/api/v1/notifications/preferences', { signal });
  },
  setNotificationPreferences(body: NotificationPreferencesBody) {
    return request<NotificationPreferences>('/api/v1/notifications/preferences', { method: 'PUT', body });
  },

  /** An inbox: waiting for me, submitted by me, or decided by me (newest first). */
  approvals(box: ApprovalBox, cursor?: string | null, signal?: AbortSignal) {
    return request<ApprovalPage>(`/api/v1/approvals${qs({ box, cursor })}`, { signal });
  },
  /** Cheap: the navigation badge polls it. */
  approvalCounts(signal?: AbortSignal) {
    return request<{ pending: number }>('/api/v1/approvals/counts', { signal });
  },
  approval(id: string, signal?: AbortSignal) {
    return request<Approval>(`/api/v1/approvals/${enc(id)}`, { signal });
  },
  /** 422 `approval_no_process` when no active process of the object applies to the record. */
  submitApproval(body: SubmissionBody) {
    return request<Approval>('/api/v1/approvals', { method: 'POST', body });
  },
  decideApproval(id: string, decision: ApprovalDecision, comment?: string | null) {
    return request<Approval>(`/api/v1/approvals/${enc(id)}/${decision}`, { method: 'POST', body: { comment: comment || null } });
  },
  delegateApproval(id: string, userId: string, comment?: string | null) {
    return request<Approval>(`/api/v1/approvals/${enc(id)}/delegate`, { method: 'POST', body: { user_id: userId, comment: comment || null } });
  },
  /** The record's approvals, newest first (the trail on the record page). */
  recordApprovals(object: string, id: string, signal?: AbortSignal) {
    return request<{ approvals: Approval[] }>(`/api/v1/records/${enc(object)}/${enc(id)}/approvals`, { signal });
  },
};

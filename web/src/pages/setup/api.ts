/**
 * Administrator endpoints used only by the Setup area. Kept apart from api/endpoints.ts so this
 * code is loaded with the (lazy) Setup chunk and never weighs on the login page or first list.
 */
import { qs, request } from '../../api/client';
import type { ApprovalProcess, FieldMeta, Labels, Layout, ObjectMeta, PicklistOption, ProcessDef, RecordData, RecordPage } from '../../api/types';
import type { paths } from '../../api/schema.gen';
import type { Flow, FlowDef, FlowRunPage } from './flows';
import type { SharingRuleDef, ValidationRuleDef } from './rules';

const enc = encodeURIComponent;

/** A picklist option as the server returns it (with its activity flag and probability). */
export type SetupOption = PicklistOption;
export type RollupSpec = NonNullable<FieldMeta['rollup']>;
/** A field with every attribute the metadata API answers (GET /metadata/objects/{o}). */
export type SetupField = FieldMeta;

/** An object as administrators get it: the rules come with it (sharing rules only for them),
 * a sharing rule's criteria being a filter tree. */
export type SetupObject = Omit<ObjectMeta, 'sharing_rules'> & { sharing_rules?: SharingRuleDef[] };

export interface ObjectFeaturesInput {
  owner?: boolean;
  activities?: boolean;
  search?: boolean;
  history?: boolean;
  pool?: boolean;
}

export interface NewObject {
  name: string;
  labels: Labels;
  plural_labels?: Labels;
  icon?: string | null;
  features?: ObjectFeaturesInput;
}

export type Scope = 'own' | 'subordinates' | 'department' | 'all';
export type FieldAccess = 'edit' | 'read' | 'hidden';
export interface ObjectPermission {
  read: boolean;
  create: boolean;
  edit: boolean;
  delete: boolean;
  read_scope: Scope;
  edit_scope: Scope;
  fields: Record<string, FieldAccess>;
}
export interface RolePermissions {
  objects: Record<string, ObjectPermission>;
}

export interface AccessReason {
  kind: 'administrator' | 'object_permission' | 'scope' | 'manager_chain' | 'share' | 'sharing_rule' | 'master' | string;
  grants: boolean;
  role?: string | null;
  scope?: Scope;
  rule?: string;
  source?: string;
  principal_type?: string;
  access?: string;
  share_id?: string;
  /** `master`: the master object whose access the record follows, and what it asks of it. */
  object?: string;
  operation?: 'read' | 'edit';
}
export interface AccessExplanation {
  user: { id: string; name: string; is_admin: boolean };
  operations: Record<string, { allowed: boolean; reasons: AccessReason[] }>;
  fields: Record<string, FieldAccess>;
}

export interface AuditEntry {
  id: string;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  object: string | null;
  record_id: string | null;
  ip: string | null;
  request_id: string | null;
  details: Record<string, unknown> | null;
  /** Titles of the records the entry names (its record, a new owner, whom a share grants), by id. */
  _display?: Record<string, string>;
}
export interface AuditFilter {
  action?: string;
  actor?: string;
  object?: string;
  record_id?: string;
}

/** Where a background job is: waiting for (another) attempt, finished, or out of attempts. */
export type JobStatus = 'pending' | 'done' | 'dead';
export const JOB_STATUSES: JobStatus[] = ['pending', 'done', 'dead'];

/** A background job as GET /jobs lists it (the generated schema only says "an object"). */
export interface JobEntry {
  id: string;
  kind: string;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** When a pending job is due (its next attempt after a failure). */
  run_at: string | null;
  created_at: string;
  finished_at: string | null;
  last_error: string | null;
  payload: unknown;
}
export interface JobPage {
  jobs: JobEntry[];
  counts: Record<JobStatus, number>;
  next_cursor: string | null;
}

/** A single sign-on provider as GET /sso/providers describes it: never its secret. */
export interface SsoProvider {
  id: string;
  name: string;
  issuer: string;
  client_id: string;
  has_client_secret: boolean;
  scopes: string[];
  labels: Labels;
  provision_users: boolean;
  default_role: string | null;
  enabled: boolean;
  /** The email claim counts as verified without `email_verified` (a company IdP). */
  trust_email: boolean;
  created_at: string;
  updated_at: string;
}

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer A } } };
}
  ? A
  : never;

/** A webhook subscription as GET /webhooks/{id} describes it: never its secret. */
export type WebhookSubscription = Json<'/api/v1/webhooks/{webhook_id}', 'get', 200>;
/** The answer to creating a subscription or rotating its secret: the secret, shown once. */
export type WebhookWithSecret = Json<'/api/v1/webhooks', 'post', 201>;
export type WebhookSettings = Json<'/api/v1/webhooks/settings', 'get', 200>;
export type WebhookDelivery = Json<'/api/v1/webhooks/{webhook_id}/deliveries', 'get', 200>['deliveries'][number];
/** A robot channel as GET /robot-channels/{id} describes it: never its URL or secret. */
export type RobotChannel = Json<'/api/v1/robot-channels/{channel_id}', 'get', 200>;
/** The vendor's answer to a test message, and the channel with its last result. */
export type RobotTestResult = Json<'/api/v1/robot-channels/{channel_id}/test', 'post', 200>;
/** The company's letterhead for quote and contract PDFs: the logo only as a flag and size. */
export type DocumentTemplate = Json<'/api/v1/document-template', 'get', 200>;
/** The tenant's lead-to-cash settings (the l2c package's GET/PUT /l2c/settings). */
export type L2cSettings = Json<'/api/v1/l2c/settings', 'get', 200>;

export const setupApi = {
  object(name: string) {
    return request<ObjectMeta & { fields: SetupField[] }>(`/api/v1/metadata/objects/${enc(name)}`);
  },
  createObject(body: NewObject) {
    return request<ObjectMeta>('/api/v1/metadata/objects', { method: 'POST', body });
  },
  updateObject(
    name: string,
    patch: {
      labels?: Labels;
      plural_labels?: Labels;
      icon?: string | null;
      name_field?: string;
      features?: ObjectFeaturesInput;
      layout?: Layout;
      validation_rules?: ValidationRuleDef[];
      sharing_rules?: SharingRuleDef[];
    },
  ) {
    return request<SetupObject>(`/api/v1/metadata/objects/${enc(name)}`, { method: 'PATCH', body: patch });
  },
  deleteObject(name: string) {
    return request<void>(`/api/v1/metadata/objects/${enc(name)}`, { method: 'DELETE' });
  },
  addField(object: string, body: Record<string, unknown>) {
    return request<SetupField>(`/api/v1/metadata/objects/${enc(object)}/fields`, { method: 'POST', body });
  },
  updateField(object: string, field: string, body: Record<string, unknown>) {
    return request<SetupField>(`/api/v1/metadata/objects/${enc(object)}/fields/${enc(field)}`, { method: 'PATCH', body });
  },
  deleteField(object: string, field: string) {
    return request<void>(`/api/v1/metadata/objects/${enc(object)}/fields/${enc(field)}`, { method: 'DELETE' });
  },

  roles() {
    return request<RecordPage>(`/api/v1/records/role${qs({ limit: 200, sort: 'name' })}`);
  },
  createRole(values: { name: string; description?: string }) {
    return request<RecordData>('/api/v1/records/role', { method: 'POST', body: values });
  },
  rolePermissions(roleId: string) {
    return request<RolePermissions>(`/api/v1/roles/${enc(roleId)}/permissions`);
  },
  setRolePermissions(roleId: string, body: RolePermissions) {
    return request<RolePermissions>(`/api/v1/roles/${enc(roleId)}/permissions`, { method: 'PUT', body });
  },

  explainAccess(object: string, id: string, user: string) {
    return request<AccessExplanation>(`/api/v1/records/${enc(object)}/${enc(id)}/access${qs({ user })}`);
  },

  audit(filter: AuditFilter, cursor?: string | null, limit = 50) {
    return request<{ entries: AuditEntry[]; next_cursor: string | null }>(`/api/v1/audit${qs({ ...filter, cursor, limit })}`);
  },
  /** The CSV export is a plain GET link: the session cookie authenticates it. */
  auditExportUrl(filter: AuditFilter): string {
    return `/api/v1/audit/export${qs({ action: filter.action, actor: filter.actor, object: filter.object })}`;
  },

  jobs(status: JobStatus, cursor?: string | null, limit = 50, signal?: AbortSignal) {
    return request<JobPage>(`/api/v1/jobs${qs({ status, cursor, limit })}`, { signal });
  },
  /** A dead job gets a new round of attempts, due now (409 when it is not dead). */
  retryJob(id: string) {
    return request<JobEntry>(`/api/v1/jobs/${enc(id)}/retry`, { method: 'POST' });
  },

  flows() {
    return request<{ flows: Flow[] }>('/api/v1/flows');
  },
  createFlow(body: FlowDef) {
    return request<Flow>('/api/v1/flows', { method: 'POST', body });
  },
  /** Replace a flow's definition; 412 when `version` is no longer the saved one. */
  updateFlow(id: string, version: number, body: FlowDef) {
    return request<Flow>(`/api/v1/flows/${enc(id)}`, { method: 'PUT', body, headers: { 'If-Match': String(version) } });
  },
  deleteFlow(id: string) {
    return request<void>(`/api/v1/flows/${enc(id)}`, { method: 'DELETE' });
  },
  flowRuns(id: string, cursor?: string | null, limit = 50, signal?: AbortSignal) {
    return request<FlowRunPage>(`/api/v1/flows/${enc(id)}/runs${qs({ cursor, limit })}`, { signal });
  },

  ssoProviders() {
    return request<{ providers: SsoProvider[]; redirect_uri: string }>('/api/v1/sso/providers');
  },
  createSsoProvider(body: Record<string, unknown>) {
    return request<SsoProvider>('/api/v1/sso/providers', { method: 'POST', body });
  },
  updateSsoProvider(id: string, body: Record<string, unknown>) {
    return request<SsoProvider>(`/api/v1/sso/providers/${enc(id)}`, { method: 'PATCH', body });
  },
  deleteSsoProvider(id: string) {
    return request<void>(`/api/v1/sso/providers/${enc(id)}`, { method: 'DELETE' });
  },
  webhooks() {
    return request<{ webhooks: WebhookSubscription[]; settings: WebhookSettings }>('/api/v1/webhooks');
  },
  createWebhook(body: Record<string, unknown>) {
    return request<WebhookWithSecret>('/api/v1/webhooks', { method: 'POST', body });
  },
  updateWebhook(id: string, body: Record<string, unknown>) {
    return request<WebhookSubscription>(`/api/v1/webhooks/${enc(id)}`, { method: 'PATCH', body });
  },
  deleteWebhook(id: string) {
    return request<void>(`/api/v1/webhooks/${enc(id)}`, { method: 'DELETE' });
  },
  rotateWebhookSecret(id: string) {
    return request<WebhookWithSecret>(`/api/v1/webhooks/${enc(id)}/rotate-secret`, { method: 'POST' });
  },
  testWebhook(id: string) {
    return request<WebhookDelivery>(`/api/v1/webhooks/${enc(id)}/test`, { method: 'POST' });
  },
  webhookDeliveries(id: string, cursor?: string | null) {
    return request<{ deliveries: WebhookDelivery[]; next_cursor: string | null }>(`/api/v1/webhooks/${enc(id)}/deliveries${qs({ cursor: cursor ?? undefined, limit: 50 })}`);
  },
  replayWebhookDelivery(id: string) {
    return request<WebhookDelivery>(`/api/v1/webhooks/deliveries/${enc(id)}/replay`, { method: 'POST' });
  },
  robotChannels() {
    return request<{ channels: RobotChannel[] }>('/api/v1/robot-channels');
  },
  createRobotChannel(body: Record<string, unknown>) {
    return request<RobotChannel>('/api/v1/robot-channels', { method: 'POST', body });
  },
  updateRobotChannel(id: string, body: Record<string, unknown>) {
    return request<RobotChannel>(`/api/v1/robot-channels/${enc(id)}`, { method: 'PATCH', body });
  },
  deleteRobotChannel(id: string) {
    return request<void>(`/api/v1/robot-channels/${enc(id)}`, { method: 'DELETE' });
  },
  testRobotChannel(id: string) {
    return request<RobotTestResult>(`/api/v1/robot-channels/${enc(id)}/test`, { method: 'POST' });
  },
  documentTemplate() {
    return request<DocumentTemplate>('/api/v1/document-template');
  },
  /** Absent keys keep their value; `logo: null` removes the logo. */
  updateDocumentTemplate(body: Record<string, unknown>) {
    return request<DocumentTemplate>('/api/v1/document-template', { method: 'PUT', body });
  },
  /** Replace the logo with a PNG or JPEG file (multipart field `file`). */
  uploadDocumentLogo(file: File) {
    const form = new FormData();
    form.append('file', file);
    return request<DocumentTemplate>('/api/v1/document-template/logo', { method: 'PUT', body: form });
  },
  l2cSettings() {
    return request<L2cSettings>('/api/v1/l2c/settings');
  },
  updateL2cSettings(body: L2cSettings) {
    return request<L2cSettings>('/api/v1/l2c/settings', { method: 'PUT', body });
  },
  updateWebhookSettings(body: { allow_private: boolean }) {
    return request<WebhookSettings>('/api/v1/webhooks/settings', { method: 'PATCH', body });
  },

  approvalProcesses() {
    return request<{ processes: ApprovalProcess[] }>('/api/v1/approval-processes');
  },
  createApprovalProcess(body: ProcessDef) {
    return request<ApprovalProcess>('/api/v1/approval-processes', { method: 'POST', body });
  },
  /** Replaces the whole definition; `version` guards against overwriting a newer one (412). */
  updateApprovalProcess(id: string, version: number, body: ProcessDef) {
    return request<ApprovalProcess>(`/api/v1/approval-processes/${enc(id)}`, { method: 'PUT', body, headers: { 'If-Match': String(version) } });
  },
  deleteApprovalProcess(id: string) {
    return request<void>(`/api/v1/approval-processes/${enc(id)}`, { method: 'DELETE' });
  },
};

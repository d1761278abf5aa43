/**
 * Flows (Setup › Automation) as plain data: the editor's form values ↔ the flows API's
 * definition (record, schedule and date triggers; every action type), where the API's field
 * errors ("actions.1.values.amount", "trigger.cron") belong in the form, the one-line trigger
 * summary of the list, and which fields an action may set.
 * Pure functions, so they are tested without rendering the editor.
 */
import '../../i18n/setup';
import type { FieldMeta, Labels, Lang, ObjectMeta, ProblemFieldError, RequestBody } from '../../api/types';
import type { TFunction } from '../../i18n';
import { COMPUTED_TYPES, SYSTEM_FIELDS } from '../../lib/fields';
import { labelsOf } from './fieldForm';

/** A flow's definition as POST /flows and PUT /flows/{id} take it. */
export type FlowDef = RequestBody<'/api/v1/flows', 'post'>;
export type FlowTrigger = FlowDef['trigger'];
export type TriggerType = FlowTrigger['type'];
type TriggerOf<K extends TriggerType> = Extract<FlowTrigger, { type: K }>;
export type RecordTrigger = TriggerOf<'record'>;
export type ScheduleTrigger = TriggerOf<'schedule'>;
export type DateTrigger = TriggerOf<'date'>;
export type FlowAction = FlowDef['actions'][number];
export type TriggerEvent = RecordTrigger['events'][number];
export type Timing = NonNullable<RecordTrigger['timing']>;
export type ActionType = FlowAction['type'];
type ActionOf<K extends ActionType> = Extract<FlowAction, { type: K }>;
export type AssignStrategy = ActionOf<'assign_owner'>['strategy'];
export type Recipient = ActionOf<'notify'>['recipients'][number];
export type RecipientType = Recipient['type'];

export const TRIGGER_TYPES: TriggerType[] = ['record', 'schedule', 'date'];
export const TRIGGER_EVENTS: TriggerEvent[] = ['created', 'updated', 'deleted'];
export const TIMINGS: Timing[] = ['after_commit', 'before_save'];
export const ACTION_TYPES: ActionType[] = ['update_fields', 'create_record', 'assign_owner', 'notify', 'send_email', 'call_webhook', 'post_to_robot', 'submit_for_approval'];
/**
 * What a scheduled flow without an object may do (check._check_without_record): there is no
 * record, so only actions that need none — and recipients named outright, not through one.
 */
export const NO_RECORD_ACTIONS: ActionType[] = ['create_record', 'notify', 'send_email', 'call_webhook', 'post_to_robot'];
export const NO_RECORD_RECIPIENTS: RecipientType[] = ['user', 'role'];
/** Cron examples the editor offers (minute hour day month weekday, the tenant's time zone). */
export const CRON_EXAMPLES = [
  { cron: '0 9 * * 1', name: 'mondays' },
  { cron: '0 8 * * *', name: 'daily' },
  { cron: '30 17 * * 5', name: 'fridays' },
  { cron: '0 8 1 * *', name: 'monthly' },
] as const;
/** The server's limits on a date trigger (model.DateTrigger). */
export const MAX_OFFSET_DAYS = 3650;
export const DEFAULT_AT_HOUR = 8;
/** The server's limits on an email's addresses and record fields (model.SendEmail). */
export const MAX_TO_ADDRESSES = 20;
export const MAX_TO_FIELDS = 5;
export const ASSIGN_STRATEGIES: AssignStrategy[] = ['user', 'round_robin', 'least_loaded'];
export const RECIPIENT_TYPES: RecipientType[] = ['owner', 'owner_manager', 'user', 'field', 'role'];
/** The server's limit on a notification's recipients (model.Notify.recipients). */
export const MAX_RECIPIENTS = 10;
/**
 * What a notification's title and body may name (model.TEMPLATE_NAMES), as the hint offers
 * them: the record's fields, the object's label and the flow's, in the recipient's language.
 */
export const MERGE_FIELDS = ['{{ record.name }}', "{{ record.amount | money('CNY') }}", '{{ object }}', '{{ flow }}'];
/** The server's limit on actions per flow (keyi.platform.automation.model.MAX_ACTIONS). */
export const MAX_ACTIONS = 20;
/** Flows started by flows deeper than this stop with a recorded error (model.MAX_DEPTH). */
export const MAX_DEPTH = 5;

/** A saved flow as GET /flows lists it: the definition plus its identity and version. */
export type Flow = FlowDef & { id: string; version: number; created_at: string; updated_at: string };

/** What one action of a run did (keyi.platform.automation.runner). */
export interface FlowStep {
  /** The action's position; absent on a before-save run's single step. */
  action?: number;
  type?: ActionType | string;
  /** assign_owner: the owner it gave the record. */
  owner_id?: string;
  /** notify: the users it notified (none when every recipient resolved to nobody). */
  users?: string[];
  /** send_email: the addresses the email went to. */
  to?: string[];
  /** call_webhook: the webhook delivery it queued. */
  delivery_id?: string;
  /** submit_for_approval: the approval it started. */
  approval_id?: string;
  /** post_to_robot: the channel (its id, and its name when the run queued the message). */
  channel_id?: string;
  channel?: string;
  /** post_to_robot: the robot's HTTP status and the attempts it took (once sent or given up). */
  status_code?: number | null;
  attempts?: number;
  /** A before-save run: the fields it set. */
  fields?: string[];
  object?: string;
  record_id?: string;
  /** `pending`: a robot message still being sent (its job finishes the step). */
  outcome: 'done' | 'skipped' | 'failed' | 'pending' | string;
  reason?: string;
  error?: string;
}
export type RunStatus = 'done' | 'failed' | 'skipped';
export interface FlowRun {
  id: string;
  flow_id?: string;
  flow_name: string;
  /** Empty for a scheduled flow without an object. */
  object: string;
  record_id: string | null;
  /** created / updated / deleted, or "scheduled" and "date" for the timed triggers. */
  event: TriggerEvent | 'scheduled' | 'date' | string;
  status: RunStatus;
  depth: number;
  started_at: string;
  duration_ms: number;
  steps: FlowStep[];
  error: string | null;
}
export interface FlowRunPage {
  runs: FlowRun[];
  next_cursor: string | null;
}
export const RUN_STATUS_COLORS: Record<string, string> = { done: 'success', failed: 'error', skipped: 'default', pending: 'processing' };
/** Why a step was skipped, for the reasons the editor can name (others show as they are). */
export const STEP_REASONS = ['robot_channel_inactive', 'robot_channel_not_found', 'run_failed'] as const;

/** One "field ← expression" row of an action. */
export interface ValueRow {
  field?: string;
  value?: string;
}
/** One recipient row of a notify action (ids as the pickers hold them). */
export interface RecipientForm {
  type?: RecipientType;
  user_id?: string | null;
  field?: string | null;
  role_id?: string | null;
}
export interface ActionForm {
  /** An action type the editor does not know (a newer server's) keeps its definition in `raw`. */
  type: ActionType | string;
  /** update_fields: "record" or a lookup field of the trigger object (its parent). */
  target?: string;
  /** create_record: the object to create. */
  object?: string;
  values: ValueRow[];
  /** assign_owner: how the owner is chosen, and the user or team named. */
  strategy?: AssignStrategy;
  user_id?: string | null;
  team_id?: string | null;
  /** notify: who gets it, and its title and body per language (templates). */
  recipients?: RecipientForm[];
  title_en?: string;
  title_zh?: string;
  body_en?: string;
  body_zh?: string;
  /** send_email: email fields of the record, fixed addresses (and `recipients`, users). */
  to_fields?: string[];
  to_addresses?: string[];
  /** send_email: subject, text and optional HTML per language (templates). */
  subject_en?: string;
  subject_zh?: string;
  text_en?: string;
  text_zh?: string;
  html_en?: string;
  html_zh?: string;
  /** call_webhook: the tenant's webhook subscription it delivers to. */
  webhook_id?: string | null;
  /** post_to_robot: the tenant's robot channel (title_* and text_* are its templates). */
  channel_id?: string | null;
  /** submit_for_approval: the submission's comment. */
  comment?: string;
  /** An unknown action, sent back exactly as it came. */
  raw?: object;
}
export interface FlowForm {
  name: string;
  label_en?: string;
  label_zh?: string;
  description?: string;
  active: boolean;
  /** What starts the flow: a record's change, a cron schedule, or a day relative to a date field. */
  trigger_type: TriggerType;
  /** The trigger's object (optional for a schedule: without one the flow runs once, with no record). */
  object?: string;
  /** record: the changes that start it, and when it runs. */
  events: TriggerEvent[];
  timing: Timing;
  condition?: string;
  only_when_starting_to_match: boolean;
  /** schedule: the cron expression. */
  cron?: string;
  /** date: the date field, the days from it (negative: before) and the hour it runs at. */
  date_field?: string;
  offset_days?: number | null;
  at_hour?: number | null;
  actions: ActionForm[];
}

/** The definition of a saved flow, without what the server adds (to PUT it back changed). */
export function flowDefOf(flow: Flow): FlowDef {
  const { id: _id, version: _version, created_at: _c, updated_at: _u, ...def } = flow;
  return def;
}

/** Whether the editor knows how to show and build an action of this type. */
export function isKnownAction(type: string | undefined): type is ActionType {
  return !!type && (ACTION_TYPES as string[]).includes(type);
}

export function newAction(type: ActionType = 'update_fields'): ActionForm {
  switch (type) {
    case 'update_fields':
      return { type, target: 'record', values: [{}] };
    case 'assign_owner':
      return { type, strategy: 'user', user_id: null, team_id: null, values: [] };
    case 'notify':
      return { type, recipients: [{ type: 'owner' }], title_en: '', title_zh: '', body_en: '', body_zh: '', values: [] };
    case 'send_email':
      return { type, to_fields: [], to_addresses: [], recipients: [], subject_en: '', subject_zh: '', text_en: '', text_zh: '', html_en: '', html_zh: '', values: [] };
    case 'call_webhook':
      return { type, webhook_id: null, values: [] };
    case 'post_to_robot':
      return { type, channel_id: null, title_en: '', title_zh: '', text_en: '', text_zh: '', values: [] };
    case 'submit_for_approval':
      return { type, comment: '', values: [] };
    default:
      return { type, values: [{}] };
  }
}

/** The form values of one saved action; an unknown type is kept whole in `raw`. */
export function actionToForm(a: FlowAction): ActionForm {
  switch (a.type) {
    case 'update_fields':
      return { type: a.type, target: a.target ?? 'record', values: valueRows(a.values) };
    case 'create_record':
      return { type: a.type, object: a.object, values: valueRows(a.values) };
    case 'assign_owner':
      return { type: a.type, strategy: a.strategy, user_id: a.user_id ?? null, team_id: a.team_id ?? null, values: [] };
    case 'notify':
      return {
        type: a.type,
        recipients: a.recipients.map(recipientToForm),
        title_en: a.title.en ?? '',
        title_zh: a.title['zh-CN'] ?? '',
        body_en: a.body?.en ?? '',
        body_zh: a.body?.['zh-CN'] ?? '',
        values: [],
      };
    case 'send_email':
      return {
        type: a.type,
        to_fields: [...(a.to_fields ?? [])],
        to_addresses: [...(a.to_addresses ?? [])],
        recipients: (a.recipients ?? []).map(recipientToForm),
        subject_en: a.subject.en ?? '',
        subject_zh: a.subject['zh-CN'] ?? '',
        text_en: a.text.en ?? '',
        text_zh: a.text['zh-CN'] ?? '',
        html_en: a.html?.en ?? '',
        html_zh: a.html?.['zh-CN'] ?? '',
        values: [],
      };
    case 'call_webhook':
      return { type: a.type, webhook_id: a.webhook_id, values: [] };
    case 'post_to_robot':
      return {
        type: a.type,
        channel_id: a.channel_id,
        title_en: a.title.en ?? '',
        title_zh: a.title['zh-CN'] ?? '',
        text_en: a.text.en ?? '',
        text_zh: a.text['zh-CN'] ?? '',
        values: [],
      };
    case 'submit_for_approval':
      return { type: a.type, comment: a.comment ?? '', values: [] };
    default: {
      const raw = a as unknown as { type?: unknown };
      return { type: String(raw.type ?? ''), values: [], raw };
    }
  }
}

function recipientToForm(r: Recipient): RecipientForm {
  return { type: r.type, user_id: r.user_id ?? null, field: r.field ?? null, role_id: r.role_id ?? null };
}

function valueRows(values: Record<string, string> | undefined): ValueRow[] {
  return Object.entries(values ?? {}).map(([field, value]) => ({ field, value }));
}

export function flowToForm(flow: FlowDef | null): FlowForm {
  if (!flow) {
    return {
      name: '',
      label_en: '',
      label_zh: '',
      description: '',
      active: true,
      ...TRIGGER_DEFAULTS,
      actions: [newAction()],
    };
  }
  return {
    name: flow.name,
    label_en: flow.labels.en ?? '',
    label_zh: flow.labels['zh-CN'] ?? '',
    description: flow.description ?? '',
    active: flow.active !== false,
    ...triggerToForm(flow.trigger),
    actions: flow.actions.map(actionToForm),
  };
}

/** A new flow's trigger inputs: a record trigger on created and updated, after save; the timed inputs' defaults. */
const TRIGGER_DEFAULTS: Omit<FlowForm, 'name' | 'label_en' | 'label_zh' | 'description' | 'active' | 'actions'> = {
  trigger_type: 'record',
  object: undefined,
  events: ['created', 'updated'],
  timing: 'after_commit',
  condition: '',
  only_when_starting_to_match: false,
  cron: '',
  date_field: undefined,
  offset_days: 0,
  at_hour: DEFAULT_AT_HOUR,
};

/** The trigger's inputs; those of the other trigger types keep their defaults (to switch to). */
function triggerToForm(tr: FlowTrigger): typeof TRIGGER_DEFAULTS {
  const base = { ...TRIGGER_DEFAULTS, trigger_type: tr.type, object: tr.object ?? undefined, condition: tr.condition ?? '' };
  switch (tr.type) {
    case 'schedule':
      return { ...base, cron: tr.cron };
    case 'date':
      return { ...base, date_field: tr.field, offset_days: tr.offset_days, at_hour: tr.at_hour ?? DEFAULT_AT_HOUR };
    default:
      return { ...base, events: [...tr.events], timing: tr.timing ?? 'after_commit', only_when_starting_to_match: !!tr.only_when_starting_to_match };
  }
}

/** The trigger of the form's values: only what its type takes. */
export function triggerFromForm(v: FlowForm): FlowTrigger {
  const condition = text(v.condition) || null;
  switch (v.trigger_type) {
    case 'schedule': {
      // Without an object there is no record for a condition to be about.
      const object = v.object || null;
      return { type: 'schedule', cron: text(v.cron), object, condition: object ? condition : null };
    }
    case 'date':
      return {
        type: 'date',
        object: v.object ?? '',
        field: v.date_field ?? '',
        offset_days: Number.isFinite(v.offset_days) ? Math.trunc(v.offset_days as number) : 0,
        at_hour: Number.isFinite(v.at_hour) ? Math.trunc(v.at_hour as number) : DEFAULT_AT_HOUR,
        condition,
      };
    default:
      return {
        type: 'record',
        object: v.object ?? '',
        events: TRIGGER_EVENTS.filter((e) => (v.events ?? []).includes(e)),
        condition,
        only_when_starting_to_match: !!v.only_when_starting_to_match,
        timing: v.timing ?? 'after_commit',
      };
  }
}

/** Whether the form's flow runs with no record (a schedule without an object): see NO_RECORD_ACTIONS. */
export function runsWithoutRecord(v: Pick<FlowForm, 'trigger_type' | 'object'>): boolean {
  return v.trigger_type === 'schedule' && !v.object;
}

/** Whether an action (with its recipients and record fields) can run in a flow without a record. */
export function allowedWithoutRecord(a: ActionForm): boolean {
  if (!(NO_RECORD_ACTIONS as string[]).includes(a.type)) return false;
  if (a.type === 'send_email' && (a.to_fields ?? []).length) return false;
  return (a.recipients ?? []).every((r) => !r?.type || NO_RECORD_RECIPIENTS.includes(r.type));
}

const text = (s: string | null | undefined) => (s ?? '').trim();

/** The request body for the form's values: rows without a field are left out, text trimmed. */
export function flowFromForm(v: FlowForm): FlowDef {
  return {
    name: text(v.name),
    labels: labelsOf(v.label_en, v.label_zh) as Labels,
    description: text(v.description) || null,
    active: v.active !== false,
    trigger: triggerFromForm(v),
    actions: (v.actions ?? []).map(actionFromForm),
  };
}

/** One action's definition: only what its type takes (a picker left from another type is not sent). */
export function actionFromForm(a: ActionForm): FlowAction {
  if (a.raw && !isKnownAction(a.type)) return a.raw as unknown as FlowAction;
  switch (a.type) {
    case 'assign_owner': {
      const strategy = a.strategy ?? 'user';
      return strategy === 'user' ? { type: 'assign_owner', strategy, user_id: a.user_id || null } : { type: 'assign_owner', strategy, team_id: a.team_id || null };
    }
    case 'notify': {
      const body = labelsOf(a.body_en, a.body_zh) as Labels;
      return {
        type: 'notify',
        recipients: (a.recipients ?? []).filter((r) => r?.type).map(recipientFromForm),
        title: labelsOf(a.title_en, a.title_zh) as Labels,
        body: Object.keys(body).length ? body : null,
      };
    }
    case 'send_email': {
      const html = labelsOf(a.html_en, a.html_zh) as Labels;
      return {
        type: 'send_email',
        to_fields: (a.to_fields ?? []).filter(Boolean),
        to_addresses: (a.to_addresses ?? []).map(text).filter(Boolean),
        recipients: (a.recipients ?? []).filter((r) => r?.type).map(recipientFromForm),
        subject: labelsOf(a.subject_en, a.subject_zh) as Labels,
        text: labelsOf(a.text_en, a.text_zh) as Labels,
        html: Object.keys(html).length ? html : null,
      };
    }
    case 'call_webhook':
      return { type: 'call_webhook', webhook_id: a.webhook_id ?? '' };
    case 'post_to_robot':
      return {
        type: 'post_to_robot',
        channel_id: a.channel_id ?? '',
        title: labelsOf(a.title_en, a.title_zh) as Labels,
        text: labelsOf(a.text_en, a.text_zh) as Labels,
      };
    case 'submit_for_approval':
      return { type: 'submit_for_approval', comment: text(a.comment) || null };
    case 'create_record':
      return { type: 'create_record', object: a.object ?? '', values: valuesOf(a.values) };
    default:
      return { type: 'update_fields', target: a.target || 'record', values: valuesOf(a.values) };
  }
}

function valuesOf(rows: readonly ValueRow[] | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const row of rows ?? []) if (row?.field) values[row.field] = text(row.value);
  return values;
}

/** A recipient with only the id or field its type names. */
function recipientFromForm(r: RecipientForm): Recipient {
  switch (r.type) {
    case 'user':
      return { type: 'user', user_id: r.user_id || null };
    case 'field':
      return { type: 'field', field: r.field || null };
    case 'role':
      return { type: 'role', role_id: r.role_id || null };
    default:
      return { type: r.type ?? 'owner' };
  }
}

/**
 * The form switched to before-save timing: the flow runs inside the write, so it can only set
 * fields of that record — "deleted" goes (nothing is saved) and field updates target the record.
 * Create-record actions stay, for the person to remove (the editor marks them).
 */
export function toBeforeSave(v: Pick<FlowForm, 'events' | 'actions'>): Pick<FlowForm, 'events' | 'actions'> {
  return {
    events: (v.events ?? []).filter((e) => e !== 'deleted'),
    actions: (v.actions ?? []).map((a) => (a.type === 'update_fields' ? { ...a, target: 'record' } : a)),
  };
}

/** Which part of the editor an error is about, for its line in the error summary. */
export interface FlowErrorPlace {
  part:
    | 'name'
    | 'labels'
    | 'description'
    | 'active'
    | 'trigger_type'
    | 'object'
    | 'events'
    | 'condition'
    | 'timing'
    | 'only_when'
    | 'cron'
    | 'date_field'
    | 'offset_days'
    | 'at_hour'
    | 'trigger'
    | 'actions'
    | 'action'
    | 'other';
  /** For part "action": the action's position (0-based). */
  action?: number;
  /** For part "action": the field an action's value sets. */
  field?: string;
  /** For part "action": the action's own input the error is about (not a value row's). */
  input?: ActionInput;
  /** For part "action": the recipient's position (0-based), with `input` "recipient". */
  recipient?: number;
  /** The API's path, for "other". */
  path?: string;
}
export type ActionInput =
  | 'type'
  | 'target'
  | 'object'
  | 'strategy'
  | 'user_id'
  | 'team_id'
  | 'recipients'
  | 'recipient'
  | 'title_en'
  | 'title_zh'
  | 'body_en'
  | 'body_zh'
  | 'to_fields'
  | 'to_addresses'
  | 'subject_en'
  | 'subject_zh'
  | 'text_en'
  | 'text_zh'
  | 'html_en'
  | 'html_zh'
  | 'webhook_id'
  | 'channel_id'
  | 'comment';
/** An action's inputs named as the API's paths name them (one input each). */
const PLAIN_INPUTS = new Set<string>(['type', 'target', 'object', 'strategy', 'user_id', 'team_id', 'to_fields', 'to_addresses', 'webhook_id', 'channel_id', 'comment']);
/** An action's templates per language: "subject.zh-CN" is the input subject_zh. */
const TEMPLATE_PARTS = new Set<string>(['title', 'body', 'subject', 'text', 'html']);
export type FormName = (string | number)[];
export interface FlowErrors {
  /** Errors for inputs of the form, by form name path (for form.setFields). */
  fields: { name: FormName; errors: string[] }[];
  /** Every error, in the order the server gave them, with its place (the summary). */
  summary: { place: FlowErrorPlace; message: string }[];
}

const TRIGGER_INPUTS: Record<string, FlowErrorPlace['part']> = {
  type: 'trigger_type',
  object: 'object',
  cron: 'cron',
  field: 'date_field',
  offset_days: 'offset_days',
  at_hour: 'at_hour',
  events: 'events',
  condition: 'condition',
  timing: 'timing',
  only_when_starting_to_match: 'only_when',
};
const FORM_NAME: Partial<Record<FlowErrorPlace['part'], string>> = {
  name: 'name',
  labels: 'label_en',
  description: 'description',
  active: 'active',
  trigger_type: 'trigger_type',
  object: 'object',
  cron: 'cron',
  date_field: 'date_field',
  offset_days: 'offset_days',
  at_hour: 'at_hour',
  events: 'events',
  condition: 'condition',
  timing: 'timing',
  only_when: 'only_when_starting_to_match',
};

/** Where one API error path is, and the form input that shows it (null: only the summary). */
export function flowErrorTarget(path: string, form: Pick<FlowForm, 'actions'>): { place: FlowErrorPlace; name: FormName | null } {
  // A union's tag in pydantic's paths ("actions.0.update_fields.values", "trigger.schedule.cron") names no input.
  const parts = path
    .split('.')
    .filter((p, i, all) => !(i === 2 && all[0] === 'actions' && isKnownAction(p)) && !(i === 1 && all[0] === 'trigger' && (TRIGGER_TYPES as string[]).includes(p)));
  const [head, second, third, fourth, fifth] = parts;
  if (head === 'name' || head === 'labels' || head === 'description' || head === 'active') {
    const place: FlowErrorPlace = { part: head };
    return { place, name: [FORM_NAME[head]!] };
  }
  if (head === 'trigger') {
    const part = TRIGGER_INPUTS[second ?? ''];
    if (!part) return { place: { part: 'trigger' }, name: null };
    return { place: { part }, name: [FORM_NAME[part]!] };
  }
  if (head === 'actions') {
    const index = Number(second);
    const action = Number.isInteger(index) ? form.actions?.[index] : undefined;
    if (!action || second === undefined) return { place: { part: 'actions' }, name: null };
    // An action the editor does not show has no inputs: the summary names it.
    if (!isKnownAction(action.type)) return { place: { part: 'action', action: index }, name: null };
    if (third !== undefined && PLAIN_INPUTS.has(third)) {
      // "to_fields.0", "to_addresses.2": one select holds them all.
      const input = third as ActionInput;
      return { place: { part: 'action', action: index, input }, name: ['actions', index, input] };
    }
    if (third === 'recipients') {
      const r = Number(fourth);
      if (fourth === undefined || !Number.isInteger(r) || !action.recipients?.[r]) return { place: { part: 'action', action: index, input: 'recipients' }, name: null };
      const input = fifth === 'user_id' || fifth === 'field' || fifth === 'role_id' ? fifth : 'type';
      return { place: { part: 'action', action: index, input: 'recipient', recipient: r }, name: ['actions', index, 'recipients', r, input] };
    }
    if (third !== undefined && TEMPLATE_PARTS.has(third)) {
      // "title.zh-CN" is the Chinese input; the part as a whole ("title": required) the first one.
      const input = `${third}_${fourth === 'zh-CN' ? 'zh' : 'en'}` as ActionInput;
      return { place: { part: 'action', action: index, input }, name: ['actions', index, input] };
    }
    if (third === 'values' && fourth) {
      const row = (action.values ?? []).findIndex((r) => r?.field === fourth);
      const place: FlowErrorPlace = { part: 'action', action: index, field: fourth };
      return { place, name: row >= 0 ? ['actions', index, 'values', row, 'value'] : null };
    }
    return { place: { part: 'action', action: index }, name: null };
  }
  return { place: { part: 'other', path }, name: null };
}

/** The API's field errors of a save: on their inputs, and all of them in the summary. */
export function flowErrors(errors: readonly ProblemFieldError[], form: Pick<FlowForm, 'actions'>): FlowErrors {
  const byName = new Map<string, { name: FormName; errors: string[] }>();
  const summary: FlowErrors['summary'] = [];
  for (const e of errors) {
    const { place, name } = flowErrorTarget(e.field ?? '', form);
    summary.push({ place, message: e.message });
    if (!name) continue;
    const key = name.join('.');
    const entry = byName.get(key) ?? { name, errors: [] };
    entry.errors.push(e.message);
    byName.set(key, entry);
  }
  return { fields: [...byName.values()], summary };
}

/** "an Opportunity": English needs an article before an object's label; Chinese does not. */
export function withArticle(label: string, lang: Lang): string {
  if (lang !== 'en' || !label) return label;
  return `${/^[aeio]/i.test(label) ? 'an' : 'a'} ${label}`;
}

/** "created, updated or deleted" / "创建、更新或删除". */
export function eventsText(events: readonly TriggerEvent[], t: TFunction): string {
  const words = TRIGGER_EVENTS.filter((e) => events.includes(e)).map((e) => t(`setup.flows.event.${e}`));
  if (words.length <= 1) return words.join('');
  return words.slice(0, -1).join(t('setup.flows.summary.comma')) + t('setup.flows.summary.or') + words[words.length - 1];
}

/** "09:00": an hour of the day as the tenant reads times. */
export function hourText(hour: number | null | undefined): string {
  return `${String(hour ?? DEFAULT_AT_HOUR).padStart(2, '0')}:00`;
}

/** "3 days before Close date" / "预计成交日期前 3 天"; "On Close date" for no offset. */
export function offsetText(offsetDays: number | null | undefined, fieldLabel: string, t: TFunction): string {
  const n = Math.trunc(offsetDays ?? 0);
  if (n === 0) return t('setup.flows.offset.on', { field: fieldLabel });
  const days = Math.abs(n);
  const key = n < 0 ? (days === 1 ? 'setup.flows.offset.dayBefore' : 'setup.flows.offset.before') : days === 1 ? 'setup.flows.offset.dayAfter' : 'setup.flows.offset.after';
  return t(key, { n: days, field: fieldLabel });
}

/**
 * The trigger in one line, as the list shows it: "When an Opportunity is updated and starts to
 * match stage = 'won'" / "当商机被更新且开始满足 stage = 'won' 时"; "On the schedule 0 9 * * 1,
 * for each Account matching grade = 'D'"; "3 days before Close date of each Opportunity, at 08:00".
 * `fieldLabel` names a date trigger's field (its API name when not given).
 */
export function triggerSummary(trigger: FlowTrigger, objectLabel: string, t: TFunction, lang: Lang, fieldLabel?: string): string {
  const condition = text(trigger.condition);
  if (trigger.type === 'schedule') {
    if (!trigger.object) return t('setup.flows.summary.schedule', { cron: trigger.cron });
    const params = { cron: trigger.cron, object: objectLabel, condition };
    return t(condition ? 'setup.flows.summary.scheduleMatching' : 'setup.flows.summary.scheduleEach', params);
  }
  if (trigger.type === 'date') {
    const params = { offset: offsetText(trigger.offset_days, fieldLabel ?? trigger.field, t), object: objectLabel, hour: hourText(trigger.at_hour), condition };
    return t(condition ? 'setup.flows.summary.dateMatching' : 'setup.flows.summary.date', params);
  }
  const params = { object: withArticle(objectLabel, lang), events: eventsText(trigger.events, t), condition };
  if (!params.condition) return t('setup.flows.summary.plain', params);
  return t(trigger.only_when_starting_to_match ? 'setup.flows.summary.starts' : 'setup.flows.summary.matches', params);
}

/** What a flow does, in one line: "Then: Create a record, Send a notification" (unknown types by name). */
export function actionsSummary(actions: readonly { type: string }[], t: TFunction): string {
  const names = actions.map((a) => (isKnownAction(a.type) ? t(`setup.flows.type.${a.type}`) : t('setup.flows.type.unknown', { type: a.type })));
  return t('setup.flows.summary.then', { actions: names.join(t('setup.flows.summary.comma')) });
}

/** Fields a flow may set on records of `obj`: not computed, not system — except the owner (and the pool). */
export function writableFields(obj: ObjectMeta | undefined): FieldMeta[] {
  if (!obj) return [];
  return obj.fields.filter((f) => {
    if (COMPUTED_TYPES.has(f.type)) return false;
    if (f.name === 'owner_id' || f.name === 'pool_id') return true;
    return !SYSTEM_FIELDS.has(f.name) && !f.system && !f.read_only;
  });
}

/** Fields a new record of `obj` cannot be created without (required, no default). */
export function requiredFields(obj: ObjectMeta | undefined): FieldMeta[] {
  return writableFields(obj).filter((f) => f.required && (f.default === undefined || f.default === null));
}

const LOOKUP_TYPES = new Set(['lookup', 'master_detail']);

/** The object's lookups to objects the app knows: the parents an update can target. */
export function lookupFields(obj: ObjectMeta | undefined, byName: ReadonlyMap<string, ObjectMeta>): FieldMeta[] {
  if (!obj) return [];
  return obj.fields.filter((f) => LOOKUP_TYPES.has(f.type) && !SYSTEM_FIELDS.has(f.name) && !!f.target && byName.has(f.target));
}

/** The object an action writes to: the trigger object, a lookup's target, or the created object. */
export function actionTarget(action: Partial<ActionForm> | undefined, trigger: ObjectMeta | undefined, byName: ReadonlyMap<string, ObjectMeta>): ObjectMeta | undefined {
  if (!action) return undefined;
  if (action.type === 'create_record') return action.object ? byName.get(action.object) : undefined;
  if (!action.target || action.target === 'record') return trigger;
  const lookup = trigger?.fields.find((f) => f.name === action.target);
  return lookup?.target ? byName.get(lookup.target) : undefined;
}

/**
 * An action's rows once its target object changed: rows for fields the object has are kept;
 * with `required`, its required fields are added (a new record needs them); never no row.
 */
export function rowsFor(rows: readonly ValueRow[], obj: ObjectMeta | undefined, required: boolean): ValueRow[] {
  const names = new Set(writableFields(obj).map((f) => f.name));
  const kept = (rows ?? []).filter((r) => r?.field && names.has(r.field));
  if (required) {
    for (const f of requiredFields(obj)) if (!kept.some((r) => r.field === f.name)) kept.push({ field: f.name, value: '' });
  }
  return kept.length ? kept : [{}];
}

/** A field that an expression may name: `amount`, or across a lookup `account.industry`. */
export interface ExpressionField {
  path: string;
  field: FieldMeta;
  /** The lookup crossed to reach it (absent for the object's own fields). */
  via?: FieldMeta;
}

/** Fields an expression over records of `obj` can name: its own, then each lookup's target's. */
export function expressionFields(obj: ObjectMeta | undefined, byName: ReadonlyMap<string, ObjectMeta>): ExpressionField[] {
  if (!obj) return [];
  const out: ExpressionField[] = obj.fields.map((field) => ({ path: field.name, field }));
  for (const via of lookupFields(obj, byName)) {
    for (const field of byName.get(via.target!)!.fields) out.push({ path: `${via.name}.${field.name}`, field, via });
  }
  return out;
}

/** The form's problem with an expression that the server need not be asked about, or null. */
export function expressionProblem(source: string | null | undefined): 'quote' | 'parenthesis' | null {
  let depth = 0;
  let quote: string | null = null;
  const s = source ?? '';
  for (let i = 0; i < s.length; i += 1) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) return 'parenthesis';
  }
  if (quote) return 'quote';
  return depth === 0 ? null : 'parenthesis';
}

/** A picklist value as an expression literal: `'won'` (quotes and backslashes escaped). */
export function textLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The record's own lookups to users (an account manager, a reviewer): a "field" recipient's
 * choices. The owner has its own recipient type, and the server takes only defined fields (not
 * created_by and the like).
 */
export function userFields(obj: ObjectMeta | undefined): FieldMeta[] {
  if (!obj) return [];
  return obj.fields.filter((f) => LOOKUP_TYPES.has(f.type) && f.target === 'user' && !SYSTEM_FIELDS.has(f.name) && !f.system && f.name !== 'owner_id');
}

const DATE_TYPES = new Set(['date', 'datetime']);

/** The fields a date trigger can count from: the object's date and date-time fields (created_at too). */
export function dateFields(obj: ObjectMeta | undefined): FieldMeta[] {
  return (obj?.fields ?? []).filter((f) => DATE_TYPES.has(f.type));
}

/** The record's email fields: where send_email can address it (a contact's email). */
export function emailFields(obj: ObjectMeta | undefined): FieldMeta[] {
  return (obj?.fields ?? []).filter((f) => f.type === 'email');
}

/** A fixed address the server would take (the same pattern as keyi.platform.fieldtypes.EMAIL_RE). */
export function isEmailAddress(s: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s.trim());
}

/**
 * The form's problem with a cron expression that the server need not be asked about, or null:
 * five parts (minute hour day month weekday; six with seconds), or a nickname such as @daily.
 */
export function cronProblem(source: string | null | undefined): 'required' | 'parts' | null {
  const s = text(source);
  if (!s) return 'required';
  if (s.startsWith('@')) return null;
  const n = s.split(/\s+/).length;
  return n === 5 || n === 6 ? null : 'parts';
}

/** Whether records of `obj` have an owner (assign_owner and the owner recipients need one). */
export function hasOwner(obj: ObjectMeta | undefined): boolean {
  if (!obj) return false;
  return obj.features?.owner ?? obj.fields.some((f) => f.name === 'owner_id');
}

/** One merge field a notification's template can insert. */
export interface MergeField {
  /** The text inserted: `{{ record.amount | money('CNY') }}`. */
  text: string;
  /** The record's field it reads (absent for `{{ object }}` and `{{ flow }}`). */
  field?: FieldMeta;
}

/**
 * What a notification about records of `obj` can name: each field of the record (money shown
 * with its currency, as the server's `money` filter formats it), then the object's and the
 * flow's names.
 */
export function mergeFields(obj: ObjectMeta | undefined, currency = 'CNY'): MergeField[] {
  const own = (obj?.fields ?? []).map((field): MergeField => {
    const money = field.type === 'currency' || (field.type === 'formula' && field.return_type === 'currency');
    return { text: money ? `{{ record.${field.name} | money(${textLiteral(currency)}) }}` : `{{ record.${field.name} }}`, field };
  });
  return [...own, { text: '{{ object }}' }, { text: '{{ flow }}' }];
}

/** `text` appended to a template, with a space when it does not end in one. */
export function insertIntoTemplate(template: string, text: string): string {
  if (!template) return text;
  return /\s$/.test(template) ? template + text : `${template} ${text}`;
}

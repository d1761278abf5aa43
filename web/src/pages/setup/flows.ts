/**
 * Record-triggered flows (Setup › Automation) as plain data: the editor's form values ↔ the
 * flows API's definition, where the API's field errors ("actions.1.values.amount") belong in
 * the form, the one-line trigger summary of the list, and which fields an action may set.
 * Pure functions, so they are tested without rendering the editor.
 */
import type { FieldMeta, Labels, Lang, ObjectMeta, ProblemFieldError, RequestBody } from '../../api/types';
import type { TFunction } from '../../i18n';
import { COMPUTED_TYPES, SYSTEM_FIELDS } from '../../lib/fields';
import { labelsOf } from './fieldForm';

/** A flow's definition as POST /flows and PUT /flows/{id} take it. */
export type FlowDef = RequestBody<'/api/v1/flows', 'post'>;
export type FlowTrigger = FlowDef['trigger'];
export type FlowAction = FlowDef['actions'][number];
export type TriggerEvent = FlowTrigger['events'][number];
export type Timing = NonNullable<FlowTrigger['timing']>;
export type ActionType = FlowAction['type'];
type ActionOf<K extends ActionType> = Extract<FlowAction, { type: K }>;
export type AssignStrategy = ActionOf<'assign_owner'>['strategy'];
export type Recipient = ActionOf<'notify'>['recipients'][number];
export type RecipientType = Recipient['type'];

export const TRIGGER_EVENTS: TriggerEvent[] = ['created', 'updated', 'deleted'];
export const TIMINGS: Timing[] = ['after_commit', 'before_save'];
export const ACTION_TYPES: ActionType[] = ['update_fields', 'create_record', 'assign_owner', 'notify'];
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
  /** A before-save run: the fields it set. */
  fields?: string[];
  object?: string;
  record_id?: string;
  outcome: 'done' | 'skipped' | 'failed' | string;
  reason?: string;
  error?: string;
}
export type RunStatus = 'done' | 'failed' | 'skipped';
export interface FlowRun {
  id: string;
  flow_id?: string;
  flow_name: string;
  object: string;
  record_id: string | null;
  event: TriggerEvent;
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
export const RUN_STATUS_COLORS: Record<string, string> = { done: 'success', failed: 'error', skipped: 'default' };

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
  /** An unknown action, sent back exactly as it came. */
  raw?: object;
}
export interface FlowForm {
  name: string;
  label_en?: string;
  label_zh?: string;
  description?: string;
  active: boolean;
  object?: string;
  events: TriggerEvent[];
  timing: Timing;
  condition?: string;
  only_when_starting_to_match: boolean;
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
        recipients: a.recipients.map((r) => ({ type: r.type, user_id: r.user_id ?? null, field: r.field ?? null, role_id: r.role_id ?? null })),
        title_en: a.title.en ?? '',
        title_zh: a.title['zh-CN'] ?? '',
        body_en: a.body?.en ?? '',
        body_zh: a.body?.['zh-CN'] ?? '',
        values: [],
      };
    default: {
      const raw = a as unknown as { type?: unknown };
      return { type: String(raw.type ?? ''), values: [], raw };
    }
  }
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
      object: undefined,
      events: ['created', 'updated'],
      timing: 'after_commit',
      condition: '',
      only_when_starting_to_match: false,
      actions: [newAction()],
    };
  }
  const tr = flow.trigger;
  return {
    name: flow.name,
    label_en: flow.labels.en ?? '',
    label_zh: flow.labels['zh-CN'] ?? '',
    description: flow.description ?? '',
    active: flow.active !== false,
    object: tr.object,
    events: [...tr.events],
    timing: tr.timing ?? 'after_commit',
    condition: tr.condition ?? '',
    only_when_starting_to_match: !!tr.only_when_starting_to_match,
    actions: flow.actions.map(actionToForm),
  };
}

const text = (s: string | null | undefined) => (s ?? '').trim();

/** The request body for the form's values: rows without a field are left out, text trimmed. */
export function flowFromForm(v: FlowForm): FlowDef {
  const condition = text(v.condition);
  return {
    name: text(v.name),
    labels: labelsOf(v.label_en, v.label_zh) as Labels,
    description: text(v.description) || null,
    active: v.active !== false,
    trigger: {
      type: 'record',
      object: v.object ?? '',
      events: TRIGGER_EVENTS.filter((e) => (v.events ?? []).includes(e)),
      condition: condition || null,
      only_when_starting_to_match: !!v.only_when_starting_to_match,
      timing: v.timing ?? 'after_commit',
    },
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
  part: 'name' | 'labels' | 'description' | 'active' | 'object' | 'events' | 'condition' | 'timing' | 'only_when' | 'trigger' | 'actions' | 'action' | 'other';
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
export type ActionInput = 'type' | 'target' | 'object' | 'strategy' | 'user_id' | 'team_id' | 'recipients' | 'recipient' | 'title_en' | 'title_zh' | 'body_en' | 'body_zh';
export type FormName = (string | number)[];
export interface FlowErrors {
  /** Errors for inputs of the form, by form name path (for form.setFields). */
  fields: { name: FormName; errors: string[] }[];
  /** Every error, in the order the server gave them, with its place (the summary). */
  summary: { place: FlowErrorPlace; message: string }[];
}

const TRIGGER_INPUTS: Record<string, FlowErrorPlace['part']> = {
  object: 'object',
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
  object: 'object',
  events: 'events',
  condition: 'condition',
  timing: 'timing',
  only_when: 'only_when_starting_to_match',
};

/** Where one API error path is, and the form input that shows it (null: only the summary). */
export function flowErrorTarget(path: string, form: Pick<FlowForm, 'actions'>): { place: FlowErrorPlace; name: FormName | null } {
  // A union's tag in pydantic's paths ("actions.0.update_fields.values") names no input.
  const parts = path.split('.').filter((p, i, all) => !(i === 2 && all[0] === 'actions' && isKnownAction(p)));
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
    if (third === 'type' || third === 'target' || third === 'object' || third === 'strategy' || third === 'user_id' || third === 'team_id') {
      return { place: { part: 'action', action: index, input: third }, name: ['actions', index, third] };
    }
    if (third === 'recipients') {
      const r = Number(fourth);
      if (fourth === undefined || !Number.isInteger(r) || !action.recipients?.[r]) return { place: { part: 'action', action: index, input: 'recipients' }, name: null };
      const input = fifth === 'user_id' || fifth === 'field' || fifth === 'role_id' ? fifth : 'type';
      return { place: { part: 'action', action: index, input: 'recipient', recipient: r }, name: ['actions', index, 'recipients', r, input] };
    }
    if (third === 'title' || third === 'body') {
      // "title.zh-CN" is the Chinese input; the part as a whole ("title": required) the first one.
      const input: ActionInput = `${third}_${fourth === 'zh-CN' ? 'zh' : 'en'}`;
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

/**
 * The trigger in one line, as the list shows it: "When an Opportunity is updated and starts to
 * match stage = 'won'" / "当商机被更新且开始满足 stage = 'won' 时".
 */
export function triggerSummary(trigger: FlowTrigger, objectLabel: string, t: TFunction, lang: Lang): string {
  const params = { object: withArticle(objectLabel, lang), events: eventsText(trigger.events, t), condition: text(trigger.condition) };
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

/**
 * Setup › Approval processes as plain data: the editor's form values ↔ the API's process
 * definition, the approver ids whose titles the pickers need, moving steps, and where each of
 * the server's field errors ("steps.1.approvers.0.user_id", "on_approve.next_step") shows in the
 * form. Pure functions, so the editor's logic is tested without rendering it.
 */
import type { ApprovalProcess, ApproverType, Labels, ProcessApprover, ProcessDef } from '../../api/types';
import type { LookupValue } from '../../fields/LookupSelect';
import { labelsOf, suggestName, type NamePath } from './fieldForm';

export const APPROVER_TYPES: ApproverType[] = ['user', 'role', 'manager', 'department_head', 'team'];

/** The object an approver type names by id (its picker's target), or null when it names nobody. */
export function approverTarget(type: ApproverType): 'user' | 'role' | 'team' | null {
  return type === 'user' || type === 'role' || type === 'team' ? type : null;
}

/** The key of the approver's id in the API (`user_id`, `role_id`, `team_id`). */
const ID_KEY = { user: 'user_id', role: 'role_id', team: 'team_id' } as const;

export interface ApproverForm {
  type: ApproverType;
  /** The named user, role or team (with its title for the picker). */
  ref?: LookupValue | null;
  /** How many levels up the submitter's managers (type `manager`). */
  levels?: number | null;
}

export interface StepForm {
  label_en?: string;
  label_zh?: string;
  mode: 'all' | 'any';
  condition?: string;
  reminder_hours?: number | null;
  approvers: ApproverForm[];
}

/** One field update of an outcome: the field and the expression giving its new value. */
export interface OutcomeRow {
  field?: string | null;
  expression?: string;
}

export interface ProcessForm {
  name: string;
  label_en?: string;
  label_zh?: string;
  description?: string;
  active: boolean;
  position?: number | null;
  object?: string | null;
  entry_condition?: string;
  steps: StepForm[];
  on_approve: OutcomeRow[];
  on_reject: OutcomeRow[];
  lock_record: boolean;
}

export function newStep(): StepForm {
  return { label_en: '', label_zh: '', mode: 'any', condition: '', reminder_hours: null, approvers: [{ type: 'manager', levels: 1 }] };
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

function labelFields(labels: Labels | undefined): { label_en: string; label_zh: string } {
  return { label_en: labels?.en ?? '', label_zh: labels?.['zh-CN'] ?? '' };
}

/** Every approver id a process names, per target object (to fetch the pickers' titles). */
export function approverIds(p: Pick<ProcessDef, 'steps'> | null): Map<string, string[]> {
  const wanted = new Map<string, string[]>();
  for (const step of p?.steps ?? []) {
    for (const a of step.approvers) {
      const target = approverTarget(a.type);
      const id = target ? a[ID_KEY[target]] : null;
      if (!target || !id) continue;
      const ids = wanted.get(target) ?? [];
      if (!ids.includes(id)) ids.push(id);
      wanted.set(target, ids);
    }
  }
  return wanted;
}

function approverToForm(a: ProcessApprover, titles: Map<string, string>): ApproverForm {
  const target = approverTarget(a.type);
  const id = target ? a[ID_KEY[target]] : null;
  return {
    type: a.type,
    ref: id ? { value: id, label: titles.get(id) ?? id } : null,
    levels: a.type === 'manager' ? (a.levels ?? 1) : null,
  };
}

function rowsOf(values: Record<string, string> | undefined): OutcomeRow[] {
  return Object.entries(values ?? {}).map(([field, expression]) => ({ field, expression }));
}

/** The editor's values for a saved process (`titles`: the approvers' names by id), or a new one's. */
export function processToForm(p: ApprovalProcess | ProcessDef | null, titles: Map<string, string> = new Map(), object?: string | null): ProcessForm {
  if (!p) {
    return {
      name: '',
      label_en: '',
      label_zh: '',
      description: '',
      active: true,
      position: 0,
      object: object ?? null,
      entry_condition: '',
      steps: [newStep()],
      on_approve: [],
      on_reject: [],
      lock_record: true,
    };
  }
  return {
    name: p.name,
    ...labelFields(p.labels),
    description: p.description ?? '',
    active: p.active !== false,
    position: p.position ?? 0,
    object: p.object,
    entry_condition: p.entry_condition ?? '',
    steps: p.steps.map((s) => ({
      ...labelFields(s.labels),
      mode: s.mode ?? 'any',
      condition: s.condition ?? '',
      reminder_hours: s.reminder_hours ?? null,
      approvers: s.approvers.map((a) => approverToForm(a, titles)),
    })),
    on_approve: rowsOf(p.on_approve),
    on_reject: rowsOf(p.on_reject),
    lock_record: p.lock_record !== false,
  };
}

function approverFromForm(a: ApproverForm): ProcessApprover {
  const out: ProcessApprover = { type: a.type };
  const target = approverTarget(a.type);
  if (target) out[ID_KEY[target]] = a.ref?.value ?? null;
  if (a.type === 'manager') out.levels = a.levels || 1;
  return out;
}

function valuesOf(rows: OutcomeRow[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rows ?? []) {
    const field = text(r.field);
    if (field) out[field] = text(r.expression);
  }
  return out;
}

/** The body of POST /approval-processes or PUT /approval-processes/{id}: empty texts sent as
 * null, only the id the approver's type uses, outcome rows without a field left out. */
export function processFromForm(v: ProcessForm): ProcessDef {
  const description = text(v.description);
  const entry = text(v.entry_condition);
  return {
    name: text(v.name),
    labels: labelsOf(v.label_en, v.label_zh),
    description: description || null,
    active: v.active !== false,
    position: v.position ?? 0,
    object: v.object ?? '',
    entry_condition: entry || null,
    steps: (v.steps ?? []).map((s) => ({
      labels: labelsOf(s.label_en, s.label_zh),
      mode: s.mode ?? 'any',
      condition: text(s.condition) || null,
      reminder_hours: s.reminder_hours || null,
      approvers: (s.approvers ?? []).map(approverFromForm),
    })),
    on_approve: valuesOf(v.on_approve),
    on_reject: valuesOf(v.on_reject),
    lock_record: v.lock_record !== false,
  };
}

/** A saved process's definition alone (the PUT body refuses the server's own keys). */
export function definitionOf(p: ApprovalProcess): ProcessDef {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { id, version, created_at, updated_at, ...definition } = p;
  return definition;
}

/** Suggest a process's API name from its English label: "Large discounts" → "large_discounts". */
export function suggestProcessName(labelEn: string, taken: Iterable<string> = []): string {
  const base = suggestName(labelEn).slice(0, 40).replace(/_+$/, '');
  if (!base) return '';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i += 1) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

const TOP_LEVEL: Record<string, NamePath> = {
  name: ['name'],
  labels: ['label_en'],
  description: ['description'],
  active: ['active'],
  position: ['position'],
  object: ['object'],
  entry_condition: ['entry_condition'],
  lock_record: ['lock_record'],
};

const STEP_KEYS: Record<string, string> = { labels: 'label_en', mode: 'mode', condition: 'condition', reminder_hours: 'reminder_hours' };
const APPROVER_KEYS: Record<string, string> = { type: 'type', user_id: 'ref', role_id: 'ref', team_id: 'ref', levels: 'levels' };

/**
 * Where an API error key shows in the editor: a top-level input, a step's input
 * ("steps.1.condition"), an approver's picker ("steps.1.approvers.0.user_id"), or an outcome
 * row's expression ("on_approve.next_step": the row whose field is next_step). Null: above the
 * form (the list of steps as a whole, an outcome field no row names).
 */
export function processErrorTarget(key: string | null | undefined, values: Pick<ProcessForm, 'on_approve' | 'on_reject'>): NamePath | null {
  if (!key) return null;
  const parts = key.split('.');
  const head = parts[0];
  if (head in TOP_LEVEL) return TOP_LEVEL[head];
  if (head === 'steps') {
    const i = Number(parts[1]);
    if (parts.length < 3 || !Number.isInteger(i)) return null;
    if (parts[2] === 'approvers') {
      const j = Number(parts[3]);
      if (parts.length < 5 || !Number.isInteger(j)) return null;
      const leaf = APPROVER_KEYS[parts[4]];
      return leaf ? ['steps', i, 'approvers', j, leaf] : ['steps', i, 'approvers', j, 'type'];
    }
    const leaf = STEP_KEYS[parts[2]];
    return leaf ? ['steps', i, leaf] : null;
  }
  if (head === 'on_approve' || head === 'on_reject') {
    const field = parts.slice(1).join('.');
    const row = (values[head] ?? []).findIndex((r) => text(r.field) === field);
    return row >= 0 ? [head, row, 'expression'] : null;
  }
  return null;
}

export interface ProcessErrors {
  fields: { name: NamePath; errors: string[] }[];
  /** Messages that belong to no single input (shown above the form). */
  general: string[];
}

/** Split a problem's `errors` into the editor's inputs' messages and general ones. */
export function mapProcessErrors(errors: readonly { field?: string | null; message: string }[], values: Pick<ProcessForm, 'on_approve' | 'on_reject'>): ProcessErrors {
  const byPath = new Map<string, { name: NamePath; errors: string[] }>();
  const general: string[] = [];
  for (const e of errors) {
    const target = processErrorTarget(e.field, values);
    if (!target) {
      general.push(e.field && e.field !== 'body' ? `${e.field}: ${e.message}` : e.message);
      continue;
    }
    const key = target.join('.');
    const entry = byPath.get(key) ?? { name: target, errors: [] };
    entry.errors.push(e.message);
    byPath.set(key, entry);
  }
  return { fields: [...byPath.values()], general };
}

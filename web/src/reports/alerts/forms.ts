/**
 * The alert and subscription editors' state and the bodies they send: what the person picks
 * (a value of the report, above/below a threshold or a drop/rise against some days before, a
 * schedule, users and roles) turned into the server's shapes, and back when editing.
 */
import { ApiError } from '../../api/client';
import type { FieldMeta, Lang, ObjectMeta } from '../../api/types';
import type { LookupValue } from '../../fields/LookupSelect';
import type { MessageKey, TFunction } from '../../i18n';
import { pickLabel } from '../../i18n';
import type { ReportDefinition } from '../api';
import type { Errors } from '../builder/errors';
import { resolver, valueName } from '../definition';
import type {
  AlertInput,
  ChangeDirection,
  Condition,
  ReportAlert,
  ReportSubscription,
  StoredCondition,
  SubscriptionFormat,
  SubscriptionInput,
  ThresholdOp,
} from './api';
import { parseCron, toCron, type Schedule } from './schedule';

/** The server's defaults: alerts every day at 09:00, report emails on Mondays at 08:00. */
export const ALERT_SCHEDULE = '0 9 * * *';
export const SUBSCRIPTION_SCHEDULE = '0 8 * * 1';
/** A week: "week over week". */
export const DEFAULT_PERIOD_DAYS = 7;

export type ConditionKind = 'threshold' | 'change';

export interface AlertForm {
  name: string;
  value: string;
  kind: ConditionKind;
  op: ThresholdOp;
  threshold: string;
  scope: 'total' | 'any_group';
  change: ChangeDirection;
  percent: string;
  periodDays: number | null;
  schedule: Schedule;
  users: LookupValue[];
  roles: LookupValue[];
  active: boolean;
}

export interface SubscriptionForm {
  schedule: Schedule;
  format: SubscriptionFormat;
  users: LookupValue[];
  roles: LookupValue[];
  active: boolean;
}

const named = (ids: string[] | undefined, titles: Map<string, string>): LookupValue[] => (ids ?? []).map((id) => ({ value: id, label: titles.get(id) ?? id }));

/** The editor's state for an alert (none: a new one on the report's first value). */
export function alertForm(alert: ReportAlert | null, firstValue: string, titles: Map<string, string> = new Map()): AlertForm {
  const c: Partial<StoredCondition> = alert?.condition ?? {};
  return {
    name: alert?.name ?? '',
    value: c.value ?? firstValue,
    kind: c.change ? 'change' : 'threshold',
    op: c.op ?? 'gt',
    threshold: c.threshold ?? '',
    scope: c.scope ?? 'total',
    change: c.change ?? 'drop',
    percent: c.percent ?? '',
    periodDays: c.period_days ?? DEFAULT_PERIOD_DAYS,
    schedule: parseCron(alert?.schedule ?? ALERT_SCHEDULE),
    users: named(alert?.recipients.users, titles),
    roles: named(alert?.recipients.roles, titles),
    active: alert?.active ?? true,
  };
}

export function subscriptionForm(sub: ReportSubscription | null, titles: Map<string, string> = new Map()): SubscriptionForm {
  return {
    schedule: parseCron(sub?.schedule ?? SUBSCRIPTION_SCHEDULE),
    format: sub?.format ?? 'xlsx',
    users: named(sub?.recipients.users, titles),
    roles: named(sub?.recipients.roles, titles),
    active: sub?.active ?? true,
  };
}

/** The condition as sent: only the parts of its kind. Numbers go as the text typed, so a
 * decimal keeps its digits and a mistyped one is named by the server at its field. */
export function conditionBody(f: AlertForm): Condition {
  if (f.kind === 'change') return { value: f.value, change: f.change, percent: f.percent.trim(), period_days: f.periodDays ?? DEFAULT_PERIOD_DAYS };
  return { value: f.value, op: f.op, threshold: f.threshold.trim(), scope: f.scope };
}

const recipientsBody = (f: { users: LookupValue[]; roles: LookupValue[] }) => ({ users: f.users.map((u) => u.value), roles: f.roles.map((r) => r.value) });

export function alertBody(f: AlertForm, reportId: string): AlertInput {
  return {
    report_id: reportId,
    name: f.name.trim(),
    condition: conditionBody(f),
    schedule: toCron(f.schedule),
    recipients: recipientsBody(f),
    active: f.active,
  };
}

export function subscriptionBody(f: SubscriptionForm, reportId: string): SubscriptionInput {
  return { report_id: reportId, schedule: toCron(f.schedule), format: f.format, recipients: recipientsBody(f), active: f.active };
}

/** What the editor checks before sending (the server checks the rest and names the field). */
export function missingAlertParts(f: AlertForm): string[] {
  const missing: string[] = [];
  if (!f.name.trim()) missing.push('name');
  if (!f.value) missing.push('condition.value');
  if (f.kind === 'threshold' && !f.threshold.trim()) missing.push('condition.threshold');
  if (f.kind === 'change' && !f.percent.trim()) missing.push('condition.percent');
  if (f.schedule.frequency === 'custom' && !f.schedule.cron.trim()) missing.push('schedule');
  return missing;
}

/** The report's values an alert may watch (`count`, `sum_amount`), labelled for the reader. */
export function measureChoices(definition: ReportDefinition | undefined, objects: ObjectMeta[], lang: Lang, t: TFunction): { value: string; label: string }[] {
  if (!definition) return [];
  const resolve = resolver(objects, objects.find((o) => o.name === definition.object));
  return definition.aggregates.map((m) => {
    if (m.op === 'count' && !m.field) return { value: valueName(m), label: t('reports.value.count') };
    const field: FieldMeta | undefined = m.field ? resolve(m.field) : undefined;
    return { value: valueName(m), label: t(`reports.value.${m.op}` as MessageKey, { field: field ? pickLabel(field.labels, lang, field.name) : (m.field ?? '') }) };
  });
}

/** "Record count is above 10", "Sum of amount drops by 20 % or more against 7 days before". */
export function describeCondition(c: StoredCondition, valueLabel: string, t: TFunction): string {
  if (c.change) {
    const key = c.change === 'drop' ? 'reports.alerts.describe.drop' : 'reports.alerts.describe.rise';
    return t(key, { value: valueLabel, percent: c.percent ?? '', days: c.period_days ?? DEFAULT_PERIOD_DAYS });
  }
  const op = t(`reports.alerts.op.${c.op ?? 'gt'}` as MessageKey);
  return t(c.scope === 'any_group' ? 'reports.alerts.describe.anyGroup' : 'reports.alerts.describe.total', { value: valueLabel, op, threshold: c.threshold ?? '' });
}

/** Where a server error belongs in an editor (`condition.threshold`, `recipients.users`). */
export function errorPlace(field: string | null | undefined): string {
  return (field ?? '').replace(/^body\./, '').replace(/^(recipients\.(users|roles))\.\d+$/, '$1');
}

/** The server's per-field errors by editor place (`_`: the rest), or null for another error. */
export function placeRuleErrors(e: unknown, placed: RegExp): Errors | null {
  if (!(e instanceof ApiError)) return null;
  if (e.code === 'alert_roles_need_admin') return { 'recipients.roles': e.problem.detail || e.message };
  if (!e.fieldErrors.length) return null;
  const found: Errors = {};
  for (const fe of e.fieldErrors) {
    const path = errorPlace(fe.field);
    const place = placed.test(path) ? path : '_';
    found[place] = found[place] ? `${found[place]}; ${fe.message}` : fe.message;
  }
  return found;
}

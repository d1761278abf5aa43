/**
 * Validation and sharing rules of an object as plain data: the forms' values ↔ the metadata
 * API's rule objects, editing one rule inside the list the API replaces as a whole, and where
 * the API's field errors ("validation_rules.2.condition") belong. Pure functions, so the rules
 * are tested without rendering a form.
 */
import type { FilterNode, Labels } from '../../api/types';
import { labelsOf, suggestName } from './fieldForm';

/** ObjectDef.validation_rules: records for which `condition` is true are rejected. */
export interface ValidationRuleDef {
  name: string;
  condition: string;
  message: Labels;
  field?: string | null;
  active?: boolean;
}

export const PRINCIPAL_TYPES = ['department', 'role', 'team', 'user'] as const;
export type PrincipalType = (typeof PRINCIPAL_TYPES)[number];

/** ObjectDef.sharing_rules: records meeting `criteria` are shared with a principal. */
export interface SharingRuleDef {
  name: string;
  criteria: FilterNode | null;
  access: 'read' | 'edit';
  principal_type: PrincipalType;
  principal_id: string;
  active?: boolean;
}

/** The list with the rule at `index` replaced, or appended when `index` is null. */
export function upsertRule<T>(list: readonly T[], index: number | null, rule: T): T[] {
  if (index === null || index < 0 || index >= list.length) return [...list, rule];
  return list.map((r, i) => (i === index ? rule : r));
}

export function removeRule<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** The list with one rule's `active` flag changed. */
export function setRuleActive<T extends { active?: boolean }>(list: readonly T[], index: number, active: boolean): T[] {
  return list.map((r, i) => (i === index ? { ...r, active } : r));
}

export interface ValidationRuleForm {
  name: string;
  condition: string;
  message_en?: string;
  message_zh?: string;
  field?: string | null;
  active: boolean;
}

export function validationRuleToForm(rule: ValidationRuleDef | null): ValidationRuleForm {
  if (!rule) return { name: '', condition: '', message_en: '', message_zh: '', field: null, active: true };
  return {
    name: rule.name,
    condition: rule.condition,
    message_en: rule.message.en ?? '',
    message_zh: rule.message['zh-CN'] ?? '',
    field: rule.field ?? null,
    active: rule.active !== false,
  };
}

export function validationRuleFromForm(v: ValidationRuleForm): ValidationRuleDef {
  return {
    name: v.name.trim(),
    condition: v.condition.trim(),
    message: labelsOf(v.message_en, v.message_zh),
    field: v.field || null,
    active: v.active !== false,
  };
}

/** A rule's API name suggested from its English message: "Amount must be positive" → "amount_must_be_positive". */
export function suggestRuleName(message: string, taken: Iterable<string> = []): string {
  const base = suggestName(message).slice(0, 40).replace(/_+$/, '');
  if (!base) return '';
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let i = 2; ; i += 1) if (!used.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Append a field name to an expression being typed, with a space where one is needed. */
export function insertIntoCondition(condition: string, text: string): string {
  if (!condition) return text;
  return /[\s(,]$/.test(condition) ? condition + text : `${condition} ${text}`;
}

export interface RuleErrors {
  /** Errors for inputs of the rule being edited (form names). */
  fields: { name: string; errors: string[] }[];
  /** Errors that belong to no input of that rule (another rule, the list itself). */
  general: string[];
}

/**
 * Split the field errors of a PATCH that replaced the rule list `list` ("validation_rules" or
 * "sharing_rules") into errors of the edited rule's inputs — `inputs` maps the rule's keys
 * (condition, message, principal_id, ...) to form names — and the rest.
 */
export function ruleErrors(
  errors: readonly { field?: string | null; message: string }[],
  list: string,
  index: number,
  inputs: Record<string, string>,
): RuleErrors {
  const byName = new Map<string, string[]>();
  const general: string[] = [];
  for (const e of errors) {
    const parts = (e.field ?? '').split('.');
    const input = parts[0] === list && Number(parts[1]) === index ? inputs[parts[2] ?? ''] : undefined;
    if (input) byName.set(input, [...(byName.get(input) ?? []), e.message]);
    else general.push(e.field && e.field !== list ? `${e.field}: ${e.message}` : e.message);
  }
  return { fields: [...byName.entries()].map(([name, errs]) => ({ name, errors: errs })), general };
}

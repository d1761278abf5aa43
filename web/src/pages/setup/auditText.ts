/**
 * Audit entries in words: the action's label in the UI language and the details as labelled
 * lines, with the titles the server sent for the ids an entry names (`_display`). Codes and ids
 * stay available (tooltips, the CSV export) for whoever needs them.
 */
import type { MessageKey, TFunction } from '../../i18n';
import type { AuditEntry } from './api';

const has = (t: TFunction, key: string) => t(key as MessageKey) !== key;

/** "Signed in" for auth.login; the code itself for an action this version has no words for. */
export function actionLabel(t: TFunction, action: string): string {
  const key = `audit.action.${action}`;
  return has(t, key) ? t(key as MessageKey) : action;
}

export interface DetailLine {
  key: string;
  label: string;
  text: string;
}

/** The entry's details as lines; ids become titles, field names their labels. */
export function detailLines(entry: AuditEntry, t: TFunction, fieldLabel: (object: string, field: string) => string): DetailLine[] {
  const titles = entry._display ?? {};
  const named = (v: unknown): string => (typeof v === 'string' && titles[v] ? titles[v] : typeof v === 'string' ? v : JSON.stringify(v));
  const lines: DetailLine[] = [];
  for (const [key, value] of Object.entries(entry.details ?? {})) {
    if (value === null || value === undefined) continue;
    const labelKey = `audit.detail.${key}`;
    const label = has(t, labelKey) ? t(labelKey as MessageKey) : key;
    let text: string;
    if (key === 'field' && entry.object) {
      const name = typeof value === 'string' ? value : (value as { name?: string }).name;
      text = name ? fieldLabel(entry.object, name) : JSON.stringify(value);
    } else if (Array.isArray(value)) {
      text = value.map(named).join(', ');
    } else if (typeof value === 'object') {
      text = JSON.stringify(value);
    } else {
      text = named(value);
    }
    lines.push({ key, label, text });
  }
  return lines;
}

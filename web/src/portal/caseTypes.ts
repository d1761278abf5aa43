/**
 * The case types and urgencies a customer may choose, with their labels.
 *
 * The portal API has no metadata endpoint (the portal must not load the internal metadata), so
 * the values are the service package's `case_types` a customer would pick. Labels come from the
 * API's own answers (`type_label`, in the portal user's locale) when a case of that type has been
 * seen, else from the portal's catalogue. Note: the service package's value for returns is
 * `return_exchange` (picklists.yaml), which is what is sent.
 */
import type { MessageKey, TFunction } from '../i18n';
import type { PortalCase, Priority } from './types';

export const CASE_TYPES = ['inquiry', 'complaint', 'fault', 'return_exchange', 'installation'] as const;
export const PRIORITIES: Priority[] = ['low', 'medium', 'high'];

/** locale → type value → label, as the API wrote them. */
const seen = new Map<string, Map<string, string>>();

export function rememberTypeLabels(locale: string, cases: PortalCase[]): void {
  let labels = seen.get(locale);
  if (!labels) seen.set(locale, (labels = new Map()));
  for (const c of cases) if (c.type && c.type_label) labels.set(c.type, c.type_label);
}

export function typeLabel(value: string, locale: string, t: TFunction): string {
  return seen.get(locale)?.get(value) ?? t(`portal.type.${value}` as MessageKey);
}

export function forgetTypeLabels(): void {
  seen.clear();
}

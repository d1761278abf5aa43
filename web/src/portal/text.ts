/** Small helpers the portal's screens share: dates in the reader's language, error wording. */
import { ApiError } from '../api/client';
import type { Lang } from '../api/types';
import type { MessageKey, TFunction } from '../i18n';

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A date and time in the visitor's language and their browser's time zone. */
export function formatWhen(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  let f = formatters.get(lang);
  if (!f) {
    f = new Intl.DateTimeFormat(lang, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false });
    formatters.set(lang, f);
  }
  return f.format(at);
}

/** The contract's error codes, in the customer's words; anything else: the server's own words. */
const CODE_TEXT: Record<string, MessageKey> = {
  bad_credentials: 'portal.login.badCredentials',
  locked: 'portal.login.locked',
  rate_limited: 'portal.error.rateLimited',
  account_disabled: 'portal.login.notActive',
  account_inactive: 'portal.login.notActive',
  not_active: 'portal.login.notActive',
  invited: 'portal.login.notActive',
  disabled: 'portal.login.notActive',
  link_expired: 'portal.link.expired',
  link_used: 'portal.link.used',
  link_invalid: 'portal.link.invalid',
  case_closed: 'portal.case.closedConflict',
  forbidden: 'portal.error.forbidden',
};

export function portalErrorText(e: unknown, t: TFunction): string {
  if (!(e instanceof ApiError)) return t('portal.error.generic');
  if (e.isNetwork) return t('portal.error.network');
  const code = e.code ?? '';
  if (CODE_TEXT[code]) return t(CODE_TEXT[code]);
  if (e.status === 429) return t('portal.error.rateLimited');
  if (e.fieldErrors.length) return e.fieldErrors.map((f) => f.message).join(' ');
  if (e.status === 403) return t('portal.error.forbidden');
  if (e.status >= 500) return t('portal.error.generic');
  return e.problem.detail || e.problem.title || t('portal.error.generic');
}

/** The field errors of a 422 as antd Form `setFields` entries for the fields the form has. */
export function fieldErrorsFor<N extends string>(e: unknown, names: readonly N[]): { name: N; errors: string[] }[] {
  if (!(e instanceof ApiError)) return [];
  return names
    .map((name) => ({ name, errors: e.fieldErrors.filter((f) => f.field === name).map((f) => f.message || f.code || '') }))
    .filter((f) => f.errors.length > 0);
}

/**
 * The dashboard filter bar's choices: pure functions, tested on their own.
 */
import type { MessageKey, TFunction } from '../i18n';
import type { DashboardFilters, OwnerFilter } from './api';

/** The periods offered, in the filter language's spelling (the server resolves them). */
export const PERIODS = [
  'today',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'this_year',
  'last_year',
  'this_fiscal_quarter',
  'last_fiscal_quarter',
  'this_fiscal_year',
  'last_fiscal_year',
  'last_n_days:7',
  'last_n_days:30',
  'last_n_days:90',
] as const;

const CORE_PERIODS = new Set(['today', 'yesterday', 'this_week', 'last_week', 'this_month', 'last_month', 'this_quarter', 'last_quarter', 'this_year', 'last_year']);
const FISCAL_RE = /^(this|last|next)_fiscal_(quarter|year)$/;
const N_RE = /^(last|next)_n_(days|weeks|months):(\d{1,4})$/;

/** A period's label in the reader's language (a literal we have no words for shows as it is). */
export function periodLabel(period: string, t: TFunction): string {
  if (CORE_PERIODS.has(period)) return t(`rel.${period}` as MessageKey);
  if (FISCAL_RE.test(period)) return t(`dashboards.period.${period}` as MessageKey);
  const n = N_RE.exec(period);
  if (n && n[2] === 'days') return t(n[1] === 'last' ? 'rel.last_n_days.n' : 'rel.next_n_days.n', { n: n[3] });
  return period;
}

/** The periods to offer: the usual ones, plus the dashboard's own when it is another literal. */
export function periodChoices(current: string | null | undefined): string[] {
  const all: string[] = [...PERIODS];
  if (current && !all.includes(current)) all.push(current);
  return all;
}

export type OwnerKind = 'user' | 'department';

export function ownerKind(owner: OwnerFilter | null | undefined): OwnerKind | null {
  if (!owner) return null;
  return 'user' in owner ? 'user' : 'department';
}

export function ownerId(owner: OwnerFilter | null | undefined): string | null {
  if (!owner) return null;
  return 'user' in owner ? owner.user : owner.department;
}

export function makeOwner(kind: OwnerKind, id: string | null): OwnerFilter | null {
  if (!id) return null;
  return kind === 'user' ? { user: id } : { department: id };
}

/**
 * The filters as a run's body sends them: every key present, null where the bar is cleared, so
 * a cleared filter also clears the dashboard's stored default (the server merges key by key).
 */
export function runFilters(f: DashboardFilters): Required<DashboardFilters> {
  return { period: f.period || null, owner: f.owner ?? null, pipeline: f.pipeline || null };
}

/** The filters as a dashboard stores them: only the keys set. */
export function storedFilters(f: DashboardFilters): DashboardFilters {
  const out: DashboardFilters = {};
  if (f.period) out.period = f.period;
  if (f.owner) out.owner = f.owner;
  if (f.pipeline) out.pipeline = f.pipeline;
  return out;
}

export function sameFilters(a: DashboardFilters, b: DashboardFilters): boolean {
  return JSON.stringify(runFilters(a)) === JSON.stringify(runFilters(b));
}

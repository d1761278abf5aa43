/**
 * What the lead conversion screen sends: the rep's picks (an existing account/contact or new
 * ones prefilled from the lead) and an optional opportunity, as the convert body.
 */
import type { ConversionMatches, ConvertBody } from '../api/l2c';
import type { ObjectMeta, RecordData } from '../api/types';

export interface ConversionChoice {
  mode: 'existing' | 'new';
  /** The picked record, for `existing`. */
  id: string | null;
  /** The new record's name, for `new`. */
  name: string;
}
export interface ConversionState {
  account: ConversionChoice;
  contact: ConversionChoice;
  opportunity: { create: boolean; name: string; amount: string; close_date: string | null };
  confirm?: boolean;
}

/** Lead fields copied to a new account / contact when the target object has a field of that name. */
const ACCOUNT_COPY = ['phone', 'email', 'industry', 'source', 'province', 'city', 'credit_code', 'website', 'address'];
const CONTACT_COPY = ['mobile', 'phone', 'email', 'title', 'department', 'wechat'];

function copied(lead: RecordData, names: string[], target: ObjectMeta | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!target) return out;
  const have = new Set(target.fields.map((f) => f.name));
  for (const n of names) if (have.has(n) && lead[n] !== null && lead[n] !== undefined && lead[n] !== '') out[n] = lead[n];
  return out;
}

/** The starting state: the best candidate picked when there is one, else new records from the lead. */
export function initialConversion(lead: RecordData, matches: ConversionMatches | null, closeDate: string | null = null): ConversionState {
  const account = matches?.accounts[0];
  const contact = matches?.contacts[0];
  const company = String(lead.company || lead.name || '');
  return {
    account: account ? { mode: 'existing', id: account.id, name: company } : { mode: 'new', id: null, name: company },
    contact: contact ? { mode: 'existing', id: contact.id, name: String(lead.name ?? '') } : { mode: 'new', id: null, name: String(lead.name ?? '') },
    opportunity: { create: true, name: company, amount: '', close_date: closeDate },
  };
}

/** The convert body of the state (fields of the new records copied from the lead). */
export function conversionBody(lead: RecordData, s: ConversionState, meta: { account?: ObjectMeta; contact?: ObjectMeta }): ConvertBody {
  const body: ConvertBody = {};
  if (s.account.mode === 'existing' && s.account.id) body.account_id = s.account.id;
  else body.create_account = { ...copied(lead, ACCOUNT_COPY, meta.account), name: s.account.name.trim() };
  if (s.contact.mode === 'existing' && s.contact.id) body.contact_id = s.contact.id;
  else body.create_contact = { ...copied(lead, CONTACT_COPY, meta.contact), name: s.contact.name.trim() };
  if (s.opportunity.create)
    body.opportunity = { name: s.opportunity.name.trim(), amount: s.opportunity.amount.trim() || null, close_date: s.opportunity.close_date ?? '' };
  if (s.confirm) body.confirm = true;
  return body;
}

/** The candidates a 409 `duplicates_found` carries (top-level or under `candidates`). */
export function candidatesOf(problem: Record<string, unknown>): ConversionMatches | null {
  const src = (problem.candidates && typeof problem.candidates === 'object' ? problem.candidates : problem) as Partial<ConversionMatches>;
  if (!Array.isArray(src.accounts) && !Array.isArray(src.contacts)) return null;
  return { accounts: src.accounts ?? [], contacts: src.contacts ?? [] };
}

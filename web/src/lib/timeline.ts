/** Which activities belong on a record's timeline, and which contacts a log form offers. */
import type { FieldMeta, FilterNode, ObjectMeta, RecordData } from '../api/types';

const AUDIT_FIELDS = new Set(['created_by', 'updated_by', 'owner_id']);

function isReference(f: FieldMeta): boolean {
  return (f.type === 'lookup' || f.type === 'master_detail') && !AUDIT_FIELDS.has(f.name);
}

/** The activity's lookup to `object` (e.g. `account`), if the activity object has one. */
export function activityLink(activity: ObjectMeta | undefined, object: string): string | null {
  return activity?.fields.find((f) => isReference(f) && f.target === object)?.name ?? null;
}

/**
 * Activities of a record. Where the activity object has a lookup to the record's object, that
 * indexed lookup is the filter: the sales package fills `account` for activities logged on the
 * account's contacts and opportunities too, so an account's timeline shows them all in one
 * query (and a contact's shows what was logged elsewhere naming the contact). Other objects
 * (a lead, a custom object) match the polymorphic `related_object` + `related_id` pair.
 */
export function timelineFilter(activity: ObjectMeta | undefined, object: string, id: string): FilterNode {
  const link = activityLink(activity, object);
  if (link) return { field: link, op: 'eq', value: id };
  return {
    and: [
      { field: 'related_object', op: 'eq', value: object },
      { field: 'related_id', op: 'eq', value: id },
    ],
  };
}

/**
 * The account whose contacts a log form on this record offers: the account itself, or the
 * account the record belongs to (an opportunity's). Null where there is none (a lead).
 */
export function contactScope(object: ObjectMeta, recordId: string, record: RecordData | null | undefined): string | null {
  if (object.name === 'account') return recordId;
  const link = object.fields.find((f) => isReference(f) && f.target === 'account');
  const value = link && record ? record[link.name] : null;
  return typeof value === 'string' && value ? value : null;
}

/** Types logged after they happened, at a moment worth recording (the server's default: now). */
export const TIMED_TYPES: ReadonlySet<string> = new Set(['call', 'visit']);

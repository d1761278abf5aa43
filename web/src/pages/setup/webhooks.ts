/**
 * Setup › Webhooks as plain data: the event picker (objects × verbs) and the API's event
 * names, the create/edit form's body, where an API error is shown, and how a subscription
 * and a delivery read at a glance.
 *
 * Events are `<object>.<verb>` with the verbs created, updated and deleted; `<object>.*`
 * stands for the three. The picker keeps one row per object with the verbs ticked; an object
 * with every verb ticked is sent as `<object>.*` so that verbs added later are included.
 */
import type { WebhookDelivery, WebhookSubscription } from './api';

export const EVENT_VERBS = ['created', 'updated', 'deleted'] as const;
export type EventVerb = (typeof EVENT_VERBS)[number];

/** Ticked verbs per object, in the order the objects were added. */
export type EventPicks = { object: string; verbs: EventVerb[] }[];

export function isEventVerb(v: string): v is EventVerb {
  return (EVENT_VERBS as readonly string[]).includes(v);
}

/** The picker's rows from a subscription's event names (unknown shapes are left out). */
export function picksFromEvents(events: readonly string[]): EventPicks {
  const picks: EventPicks = [];
  for (const name of events) {
    const dot = name.lastIndexOf('.');
    if (dot <= 0) continue;
    const object = name.slice(0, dot);
    const verb = name.slice(dot + 1);
    let row = picks.find((p) => p.object === object);
    if (!row) {
      row = { object, verbs: [] };
      picks.push(row);
    }
    const verbs: EventVerb[] = verb === '*' ? [...EVENT_VERBS] : isEventVerb(verb) ? [verb] : [];
    for (const v of verbs) if (!row.verbs.includes(v)) row.verbs.push(v);
  }
  for (const row of picks) row.verbs.sort((a, b) => EVENT_VERBS.indexOf(a) - EVENT_VERBS.indexOf(b));
  return picks.filter((p) => p.verbs.length > 0);
}

/** The API's event names from the picker: `<object>.*` when every verb is ticked. */
export function eventsFromPicks(picks: EventPicks): string[] {
  const events: string[] = [];
  const seen = new Set<string>();
  for (const { object, verbs } of picks) {
    if (!object || seen.has(object)) continue;
    const ticked = EVENT_VERBS.filter((v) => verbs.includes(v));
    if (!ticked.length) continue;
    seen.add(object);
    if (ticked.length === EVENT_VERBS.length) events.push(`${object}.*`);
    else for (const v of ticked) events.push(`${object}.${v}`);
  }
  return events;
}

export interface WebhookForm {
  url: string;
  description?: string;
  picks: EventPicks;
}

export function webhookToForm(w: WebhookSubscription | null): WebhookForm {
  if (!w) return { url: '', description: '', picks: [] };
  return { url: w.url, description: w.description ?? '', picks: picksFromEvents(w.events) };
}

/** The body of POST /webhooks or PATCH /webhooks/{id}: the URL as typed (trimmed), the events
 * from the picker, and the description or null to clear it. */
export function webhookPayload(v: WebhookForm): Record<string, unknown> {
  const description = (v.description ?? '').trim();
  return { url: v.url.trim(), events: eventsFromPicks(v.picks), description: description || null };
}

/** Which input shows an API error about a body key (`events.3` is the picker). */
export function webhookErrorTarget(key: string | null | undefined): keyof WebhookForm | null {
  const head = (key ?? '').split('.')[0];
  if (head === 'url' || head === 'description') return head;
  if (head === 'events') return 'picks';
  return null;
}

export type WebhookState = 'active' | 'failing' | 'disabled' | 'off';

/** On and healthy, on but failing lately, switched off for failing, or switched off by hand. */
export function webhookState(w: Pick<WebhookSubscription, 'active' | 'consecutive_failures' | 'disabled_reason'>): WebhookState {
  if (w.active) return w.consecutive_failures > 0 ? 'failing' : 'active';
  return w.disabled_reason ? 'disabled' : 'off';
}

export const STATE_COLORS: Record<WebhookState, string> = { active: 'green', failing: 'orange', disabled: 'red', off: 'default' };

export const DELIVERY_COLORS: Record<string, string> = { delivered: 'green', pending: 'blue', dead: 'red', cancelled: 'default' };

/** A delivery may be replayed once it is finished (not while it is still being sent). */
export function canReplay(d: Pick<WebhookDelivery, 'status'>): boolean {
  return d.status !== 'pending';
}

/** The outcome of a delivery's last attempt in a few words: "200", "HTTP 500", "timeout…". */
export function lastOutcome(d: Pick<WebhookDelivery, 'last_status_code' | 'last_error'>): string {
  if (d.last_error) return d.last_error;
  if (d.last_status_code != null) return String(d.last_status_code);
  return '';
}

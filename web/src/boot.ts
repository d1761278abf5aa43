/**
 * What a signed-in person's first page needs, started as early as possible.
 *
 * Opening Keyi on a list used to be a chain of waits: the main bundle, then the session
 * (/api/v1/me), then the shell's code, then the page's code and the metadata, then the records.
 * index.html now asks for the session and the metadata while the bundle downloads
 * (`<link rel="preload" as="fetch">`, reused by the fetch below), and this module asks for the
 * route's code as soon as the bundle runs, so those waits overlap instead of adding up.
 */
import { request } from './api/client';
import { api } from './api/endpoints';
import type { ObjectMeta, QueryBody, RecordPage, Session } from './api/types';
import { detectLang, LANG_STORAGE_KEY, normaliseLang } from './i18n/detect';
import { DEFAULT_FORMAT, warmFormatters } from './lib/format';
import { PAGE_SIZE } from './lib/listQuery';

const LIST = /^\/o\/[^/]+\/?$/;
const KANBAN = /^\/o\/[^/]+\/kanban\/?$/;
const RECORD = /^\/o\/[^/]+\/[^/]+\/?$/;
const DASHBOARD = /^\/dashboards\/([^/]+)\/?$/;
// The sign-in pages, the customer portal (its own session; never the internal one's) and a
// web form's public page (/f/<key>: no session at all).
const SIGNED_OUT = /^\/(login|accept-invite|portal|f)(\/|$)/;
const PRELOADED_OBJECTS = '/api/v1/metadata/objects';

/** A plain list's first page asked for at boot; `page` is set once it has arrived. */
export interface PrefetchedList {
  promise: Promise<RecordPage>;
  page?: RecordPage;
  /** When it was asked for (ms since page load). */
  at: number;
}

/**
 * A prefetched page is for the first render right after boot. One nobody took in that time
 * (the person went elsewhere first) is dropped: shown later it could miss newer records.
 */
export const PREFETCH_TTL_MS = 10_000;

let session: Promise<Session> | null = null;
const lists = new Map<string, PrefetchedList>();
/** A dashboard asked for at boot (a dashboard URL), until its page takes it. */
let bootDashboard: { id: string; promise: Promise<unknown>; at: number } | null = null;
let objects: Promise<{ objects: ObjectMeta[] }> | null = null;
/** The boot answers once they have arrived, so the first render can start with them. */
let sessionValue: Session | undefined;
let objectsValue: { objects: ObjectMeta[] } | undefined;

/** Which lazily loaded page modules the path will render, besides the shell. */
export function pageModulesFor(path: string): Array<'list' | 'kanban' | 'record' | 'home' | 'dashboard'> {
  if (SIGNED_OUT.test(path)) return [];
  if (path === '/' || path === '') return ['home'];
  if (KANBAN.test(path)) return ['kanban'];
  if (LIST.test(path)) return ['list'];
  if (RECORD.test(path)) return ['record'];
  if (DASHBOARD.test(path)) return ['dashboard'];
  return [];
}

/**
 * Start the session and metadata requests and the route's code (once, at startup). The promise
 * settles when the route's code and the session and metadata answers are in (failed or not):
 * main.tsx renders then, so the first render has what it needs instead of a spinner per step.
 */
export function startBoot(path: string, loaders: Record<'shell' | 'list' | 'kanban' | 'record' | 'home' | 'dashboard', () => Promise<unknown>>): Promise<unknown> {
  if (SIGNED_OUT.test(path)) {
    // Take index.html's preloaded metadata answer (a 401 here) and drop it: left in the
    // browser's preload cache, it would answer the app's first metadata request after signing
    // in, and that 401 would send the person straight back to the login page.
    void fetch(PRELOADED_OBJECTS, { credentials: 'same-origin' }).catch(() => undefined);
    return Promise.resolve();
  }
  session = api.me();
  objects = api.objects();
  // A signed-out visitor gets 401s here; whoever takes the promise sees the error.
  session.then((v) => (sessionValue = v)).catch(() => undefined);
  objects.then((v) => (objectsValue = v)).catch(() => undefined);
  // A plain list URL (no filter, sort or search): its first page is asked for at once, all
  // fields (so whichever columns this browser shows are in it), by the URL index.html may
  // already have preloaded, and its rows are there for the page's very first render.
  const firstPage = LIST.test(path) && !window.location.search ? prefetchFirstPage(decodeURIComponent(path.split('/')[2])).promise : Promise.resolve();
  // A dashboard: the dashboard itself (its widgets' runs need its layout), by the URL
  // index.html preloads, so the runs start as soon as the page's code is in.
  const dashboard = DASHBOARD.exec(path);
  if (dashboard) prefetchDashboard(decodeURIComponent(dashboard[1]));
  // While the code downloads the main thread is idle: build the number and date formatters.
  Promise.all([session, objects])
    .then(([me]) => setTimeout(() => warmFormatters(formatSettingsOf(me)), 0))
    .catch(() => undefined);
  const code = [loaders.shell(), ...pageModulesFor(path).map((page) => loaders[page]())];
  return Promise.allSettled([...code, session, objects, withinFirstPageWait(firstPage)]);
}

/**
 * The longest the first render waits (from boot) for a plain list's first page.
 *
 * The first render of a page is the costly one (a cold start compiles most of the app's code as
 * it runs): measured on a 1M-account list, mounting as soon as the code was in, ahead of rows
 * still on their way, rendered the whole page with skeleton rows (~0.3 s of a busy main thread,
 * which also held back the arriving answer) and then again with the rows. The answer is usually
 * ~10-50 ms behind the code, so waiting for it gives one render, with rows; a slow or failed
 * answer is not waited for beyond this (the page then shows its own loading state or error).
 */
export const FIRST_PAGE_WAIT_MS = 800;

function withinFirstPageWait(page: Promise<unknown>): Promise<unknown> {
  return Promise.race([page, new Promise((resolve) => setTimeout(resolve, FIRST_PAGE_WAIT_MS))]);
}

/** The settings useFormatSettings will give the first page (language as I18nProvider picks it). */
function formatSettingsOf(me: Session) {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(LANG_STORAGE_KEY);
  } catch {
    /* storage unavailable */
  }
  return {
    lang: normaliseLang(stored) ?? normaliseLang(me.user?.language) ?? detectLang(),
    locale: me.tenant?.locale || DEFAULT_FORMAT.locale,
    currency: me.tenant?.currency || DEFAULT_FORMAT.currency,
    timeZone: me.tenant?.time_zone || DEFAULT_FORMAT.timeZone,
  };
}

/** The first page of a plain list's query, whichever its fields: the one thing boot prefetches. */
export function isPlainFirstPage(body: QueryBody): boolean {
  return !body.filter && !body.sort?.length && !body.q && !body.cursor && (body.limit ?? PAGE_SIZE) === PAGE_SIZE;
}

/** The URL of a plain list's first page, all fields; the server preloads it from index.html. */
export function firstPageUrl(object: string): string {
  return `/api/v1/records/${encodeURIComponent(object)}?limit=${PAGE_SIZE}`;
}

/** Ask for a plain list's first page (boot does, for a list URL); kept for the page to take. */
export function prefetchFirstPage(object: string): PrefetchedList {
  const entry: PrefetchedList = { promise: request<RecordPage>(firstPageUrl(object)), at: performance.now() };
  entry.promise.then(
    (page) => {
      entry.page = page;
    },
    () => lists.delete(object),
  );
  lists.set(object, entry);
  return entry;
}

/** The URL of a dashboard (with its layout); the server preloads it from index.html. */
export function dashboardUrl(id: string): string {
  return `/api/v1/dashboards/${encodeURIComponent(id)}`;
}

function prefetchDashboard(id: string): void {
  const promise = request<unknown>(dashboardUrl(id));
  promise.catch(() => undefined); // whoever takes it sees the error
  bootDashboard = { id, promise, at: performance.now() };
}

/** The dashboard asked for at boot, once, if it is this one and not stale (PREFETCH_TTL_MS). */
export function takePrefetchedDashboard(id: string): Promise<unknown> | undefined {
  const entry = bootDashboard;
  if (!entry || entry.id !== id) return undefined;
  bootDashboard = null;
  return performance.now() - entry.at > PREFETCH_TTL_MS ? undefined : entry.promise;
}

/** The boot's first page when `body` is that list's plain first page, left for whoever takes it. */
export function peekPrefetchedList(object: string, body: QueryBody): PrefetchedList | undefined {
  if (!isPlainFirstPage(body)) return undefined;
  const entry = lists.get(object);
  if (entry && performance.now() - entry.at > PREFETCH_TTL_MS) {
    lists.delete(object);
    return undefined;
  }
  return entry;
}

/** The boot's first page for this list query, once; undefined when there is none. */
export function takePrefetchedList(object: string, body: QueryBody): PrefetchedList | undefined {
  const entry = peekPrefetchedList(object, body);
  if (entry) lists.delete(object);
  return entry;
}

/** The session request started at boot, once; later reads ask the server again. */
export function takeBootSession(): Promise<Session> | null {
  const pending = session;
  session = null;
  sessionValue = undefined;
  return pending;
}

/** The boot's session answer if it has arrived (and was not taken yet), without taking it. */
export function peekBootSession(): Session | undefined {
  return session ? sessionValue : undefined;
}

/** The boot's metadata answer if it has arrived (and was not taken yet), without taking it. */
export function peekBootObjects(): { objects: ObjectMeta[] } | undefined {
  return objects ? objectsValue : undefined;
}

/**
 * The metadata request started at boot, once. If it failed (say the visitor signed in only
 * after it was asked, and it got a 401), the metadata is asked for again.
 */
export function takeBootObjects(): Promise<{ objects: ObjectMeta[] }> | null {
  const pending = objects;
  objects = null;
  objectsValue = undefined;
  return pending && pending.catch(() => api.objects());
}

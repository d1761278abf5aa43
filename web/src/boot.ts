/**
 * What a signed-in person's first page needs, started as early as possible.
 *
 * Opening Keyi on a list used to be a chain of waits: the main bundle, then the session
 * (/api/v1/me), then the shell's code, then the page's code and the metadata, then the records.
 * index.html now asks for the session and the metadata while the bundle downloads
 * (`<link rel="preload" as="fetch">`, reused by the fetch below), and this module asks for the
 * route's code as soon as the bundle runs, so those waits overlap instead of adding up.
 */
import { api } from './api/endpoints';
import type { ObjectMeta, Session } from './api/types';

const LIST = /^\/o\/[^/]+\/?$/;
const KANBAN = /^\/o\/[^/]+\/kanban\/?$/;
const RECORD = /^\/o\/[^/]+\/[^/]+\/?$/;
const SIGNED_OUT = /^\/(login|accept-invite)(\/|$)/;
const PRELOADED_OBJECTS = '/api/v1/metadata/objects';

let session: Promise<Session> | null = null;
let objects: Promise<{ objects: ObjectMeta[] }> | null = null;

/** Which lazily loaded page modules the path will render, besides the shell. */
export function pageModulesFor(path: string): Array<'list' | 'kanban' | 'record' | 'home'> {
  if (SIGNED_OUT.test(path)) return [];
  if (path === '/' || path === '') return ['home'];
  if (KANBAN.test(path)) return ['kanban'];
  if (LIST.test(path)) return ['list'];
  if (RECORD.test(path)) return ['record'];
  return [];
}

/** Start the session and metadata requests and the route's code (once, at startup). */
export function startBoot(path: string, loaders: Record<'shell' | 'list' | 'kanban' | 'record' | 'home', () => Promise<unknown>>): void {
  if (SIGNED_OUT.test(path)) {
    // Take index.html's preloaded metadata answer (a 401 here) and drop it: left in the
    // browser's preload cache, it would answer the app's first metadata request after signing
    // in, and that 401 would send the person straight back to the login page.
    void fetch(PRELOADED_OBJECTS, { credentials: 'same-origin' }).catch(() => undefined);
    return;
  }
  session = api.me();
  objects = api.objects();
  // A signed-out visitor gets 401s here; whoever takes the promise sees the error.
  session.catch(() => undefined);
  objects.catch(() => undefined);
  void loaders.shell().catch(() => undefined);
  for (const page of pageModulesFor(path)) void loaders[page]().catch(() => undefined);
}

/** The session request started at boot, once; later reads ask the server again. */
export function takeBootSession(): Promise<Session> | null {
  const pending = session;
  session = null;
  return pending;
}

/**
 * The metadata request started at boot, once. If it failed (say the visitor signed in only
 * after it was asked, and it got a 401), the metadata is asked for again.
 */
export function takeBootObjects(): Promise<{ objects: ObjectMeta[] }> | null {
  const pending = objects;
  objects = null;
  return pending && pending.catch(() => api.objects());
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from './api/types';
import {
  pageModulesFor,
  peekBootObjects,
  peekBootSession,
  FIRST_PAGE_WAIT_MS,
  firstPageUrl,
  isPlainFirstPage,
  peekPrefetchedList,
  PREFETCH_TTL_MS,
  prefetchFirstPage,
  startBoot,
  takeBootObjects,
  takeBootSession,
  takePrefetchedDashboard,
  takePrefetchedList,
} from './boot';
import { listQueryBody, loadColumns } from './lib/listQuery';

function loaders() {
  return {
    shell: vi.fn(() => Promise.resolve({})),
    list: vi.fn(() => Promise.resolve({})),
    kanban: vi.fn(() => Promise.resolve({})),
    record: vi.fn(() => Promise.resolve({})),
    home: vi.fn(() => Promise.resolve({})),
    dashboard: vi.fn(() => Promise.resolve({})),
  };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  takeBootSession();
  takeBootObjects()?.catch(() => undefined);
});

describe('boot', () => {
  it('knows which page a path opens', () => {
    expect(pageModulesFor('/o/account')).toEqual(['list']);
    expect(pageModulesFor('/o/account/')).toEqual(['list']);
    expect(pageModulesFor('/o/opportunity/kanban')).toEqual(['kanban']);
    expect(pageModulesFor('/o/account/0193c0de-aaaa-7bbb-8ccc-000000000001')).toEqual(['record']);
    expect(pageModulesFor('/')).toEqual(['home']);
    expect(pageModulesFor('/dashboards/0193c0de-aaaa-7bbb-8ccc-000000000001')).toEqual(['dashboard']);
    expect(pageModulesFor('/dashboards')).toEqual([]);
    expect(pageModulesFor('/setup/objects')).toEqual([]);
    expect(pageModulesFor('/login')).toEqual([]);
    expect(pageModulesFor('/portal/acme/cases')).toEqual([]);
  });

  it('asks for the session, the metadata and the page code at once, each taken once', async () => {
    const fetch = vi.fn((url: string) =>
      Promise.resolve(url.endsWith('/me') ? json(200, { user: { id: 'u1' }, tenant: { name: 'demo' } }) : json(200, { objects: [{ name: 'account' }] })),
    );
    vi.stubGlobal('fetch', fetch);
    const load = loaders();
    startBoot('/o/account', load);
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/api/v1/me', '/api/v1/metadata/objects', '/api/v1/records/account?limit=50']);
    expect(load.shell).toHaveBeenCalledOnce();
    expect(load.list).toHaveBeenCalledOnce();
    expect(load.record).not.toHaveBeenCalled();
    expect((await takeBootSession())?.user).toEqual({ id: 'u1' });
    expect(takeBootSession()).toBeNull();
    expect((await takeBootObjects())?.objects).toEqual([{ name: 'account' }]);
    expect(takeBootObjects()).toBeNull();
  });

  it('settles once the code, session and metadata are in, and lets the first render peek at them', async () => {
    const fetch = vi.fn((url: string) =>
      Promise.resolve(url.endsWith('/me') ? json(200, { user: { id: 'u1' }, tenant: { name: 'demo' } }) : json(200, { objects: [{ name: 'account' }] })),
    );
    vi.stubGlobal('fetch', fetch);
    let codeArrived!: () => void;
    const load = loaders();
    load.list.mockReturnValue(new Promise<object>((resolve) => (codeArrived = () => resolve({}))));
    let settled = false;
    const ready = startBoot('/o/account', load).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(settled).toBe(false); // the list page's code is still on its way
    expect(peekBootSession()?.user).toEqual({ id: 'u1' });
    expect(peekBootObjects()?.objects).toEqual([{ name: 'account' }]);
    codeArrived();
    await ready;
    expect(settled).toBe(true);
    // taking an answer ends peeking at it: a later provider asks the server again
    await takeBootSession();
    expect(peekBootSession()).toBeUndefined();
    await takeBootObjects();
    expect(peekBootObjects()).toBeUndefined();
  });

  it('asks again for metadata that failed at boot (signed in afterwards)', async () => {
    let signedIn = false;
    const fetch = vi.fn(() => Promise.resolve(signedIn ? json(200, { objects: [{ name: 'lead' }] }) : json(401, { title: 'unauthenticated' })));
    vi.stubGlobal('fetch', fetch);
    startBoot('/o/lead', loaders());
    await expect(takeBootSession()).rejects.toMatchObject({ status: 401 });
    signedIn = true;
    expect((await takeBootObjects())?.objects).toEqual([{ name: 'lead' }]);
    expect(fetch.mock.calls.filter((c) => String((c as unknown[])[0]).includes('/metadata/'))).toHaveLength(2);
  });

  it('on signed-out pages only drains the preloaded metadata, so it cannot answer after sign-in', () => {
    const fetch = vi.fn(() => Promise.resolve(json(401, {})));
    vi.stubGlobal('fetch', fetch);
    const load = loaders();
    startBoot('/login', load);
    expect(fetch.mock.calls.map((c) => (c as unknown[])[0])).toEqual(['/api/v1/metadata/objects']);
    expect(load.shell).not.toHaveBeenCalled();
    expect(takeBootSession()).toBeNull();
    expect(takeBootObjects()).toBeNull();
  });
});

describe('customer portal', () => {
  it('asks for neither the internal session nor the shell on a portal page', () => {
    const fetch = vi.fn(() => Promise.resolve(json(401, {})));
    vi.stubGlobal('fetch', fetch);
    const load = loaders();
    startBoot('/portal/acme/cases/0193c0de-aaaa-7bbb-8ccc-000000000001', load);
    expect(fetch.mock.calls.map((c) => (c as unknown[])[0])).not.toContain('/api/v1/me');
    expect(Object.values(load).every((l) => l.mock.calls.length === 0)).toBe(true);
    expect(takeBootSession()).toBeNull();
  });
});

describe('dashboard prefetch', () => {
  it('asks for a dashboard at once, by the URL the server preloads, and hands it to its page once', async () => {
    const id = '0193c0de-aaaa-7bbb-8ccc-000000000001';
    const fetch = vi.fn((url: string) => Promise.resolve(url.endsWith(id) ? json(200, { id, layout: [] }) : json(200, {})));
    vi.stubGlobal('fetch', fetch);
    const load = loaders();
    startBoot(`/dashboards/${id}`, load);
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/api/v1/me', '/api/v1/metadata/objects', `/api/v1/dashboards/${id}`]);
    expect(load.dashboard).toHaveBeenCalledOnce();
    expect(takePrefetchedDashboard('another')).toBeUndefined();
    expect(await takePrefetchedDashboard(id)).toEqual({ id, layout: [] });
    expect(takePrefetchedDashboard(id)).toBeUndefined();
  });

  it('drops a dashboard nobody took in time', () => {
    const id = '0193c0de-aaaa-7bbb-8ccc-000000000002';
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(json(200, {}))));
    const now = vi.spyOn(performance, 'now').mockReturnValue(1000);
    startBoot(`/dashboards/${id}`, loaders());
    now.mockReturnValue(1000 + PREFETCH_TTL_MS + 1);
    expect(takePrefetchedDashboard(id)).toBeUndefined();
    now.mockRestore();
  });
});

describe('list prefetch', () => {
  const account = {
    name: 'account',
    name_field: 'name',
    labels: { en: 'Account' },
    fields: [
      { name: 'name', type: 'text', labels: { en: 'Name' } },
      { name: 'industry', type: 'picklist', labels: { en: 'Industry' } },
    ],
  } as unknown as ObjectMeta;

  it('asks for a plain list first page at once, by the URL the server preloads, and hands it to the page once', async () => {
    const page = { records: [{ id: 'r1', version: 1, name: '华为', industry: 'it' }], next_cursor: 'c2' };
    const fetch = vi.fn((url: string) =>
      Promise.resolve(
        url.endsWith('/me') ? json(200, { user: { id: 'u1' } }) : url.endsWith('/objects') ? json(200, { objects: [account] }) : json(200, page),
      ),
    );
    vi.stubGlobal('fetch', fetch);
    window.history.replaceState(null, '', '/o/account');
    startBoot('/o/account', loaders());
    // asked before the metadata has arrived: it does not depend on it
    const lists = fetch.mock.calls.filter((c) => String((c as unknown[])[0]).startsWith('/api/v1/records/'));
    expect(lists.map((c) => (c as unknown[])[0])).toEqual([firstPageUrl('account')]);
    // whichever columns this browser shows, the page's plain first query is this one
    const body = listQueryBody(account, loadColumns(account), null, [], '');
    expect(isPlainFirstPage(body)).toBe(true);
    expect(peekPrefetchedList('account', body)).toBeDefined();
    const taken = takePrefetchedList('account', body);
    expect(await taken?.promise).toEqual(page);
    expect(taken?.page).toEqual(page);
    expect(takePrefetchedList('account', body)).toBeUndefined();
  });

  it('renders first once the plain list first page is in too, but not later than FIRST_PAGE_WAIT_MS', async () => {
    let answer!: () => void;
    const fetch = vi.fn((url: string) =>
      url.startsWith('/api/v1/records/')
        ? new Promise<Response>((resolve) => (answer = () => resolve(json(200, { records: [], next_cursor: null }))))
        : Promise.resolve(url.endsWith('/me') ? json(200, { user: { id: 'u1' } }) : json(200, { objects: [account] })),
    );
    vi.stubGlobal('fetch', fetch);
    window.history.replaceState(null, '', '/o/account');
    let settled = false;
    const ready = startBoot('/o/account', loaders()).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false); // code, session and metadata are in; the rows are not
    answer();
    await ready;
    expect(settled).toBe(true);

    vi.useFakeTimers();
    try {
      let late = false;
      const slow = startBoot('/o/account', loaders()).then(() => (late = true));
      await vi.advanceTimersByTimeAsync(FIRST_PAGE_WAIT_MS - 50);
      expect(late).toBe(false);
      await vi.advanceTimersByTimeAsync(100);
      await slow;
      expect(late).toBe(true); // a slow first page is not waited for beyond the limit
    } finally {
      vi.useRealTimers();
    }
  });

  it('hands nothing to a query that is not the plain first page', () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(json(200, { records: [], next_cursor: null }))));
    prefetchFirstPage('account');
    const plain = listQueryBody(account, ['name'], null, [], '');
    expect(peekPrefetchedList('account', { ...plain, q: 'hua' })).toBeUndefined();
    expect(peekPrefetchedList('account', { ...plain, sort: [{ field: 'name', direction: 'asc' }] })).toBeUndefined();
    expect(peekPrefetchedList('account', { ...plain, filter: { field: 'industry', op: 'eq', value: 'it' } })).toBeUndefined();
    expect(peekPrefetchedList('account', { ...plain, cursor: 'c2' })).toBeUndefined();
    expect(peekPrefetchedList('contact', plain)).toBeUndefined();
    expect(takePrefetchedList('account', plain)).toBeDefined();
  });

  it('drops a prefetched page nobody took in time, so a later visit asks afresh', async () => {
    const page = { records: [{ id: 'r1', version: 1 }], next_cursor: null };
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(json(200, page))));
    const body = { filter: null, sort: [], fields: ['id', 'name'], limit: 50, q: null };
    const clock = vi.spyOn(performance, 'now').mockReturnValue(1_000);
    prefetchFirstPage('account');
    clock.mockReturnValue(1_000 + PREFETCH_TTL_MS - 1);
    expect(peekPrefetchedList('account', body)).toBeDefined();
    clock.mockReturnValue(1_000 + PREFETCH_TTL_MS + 1);
    expect(peekPrefetchedList('account', body)).toBeUndefined();
    expect(takePrefetchedList('account', body)).toBeUndefined();
    clock.mockRestore();
  });

  it('asks nothing ahead for a list URL with its own filter, sort or search', async () => {
    const fetch = vi.fn(() => Promise.resolve(json(200, { objects: [] })));
    vi.stubGlobal('fetch', fetch);
    window.history.replaceState(null, '', '/o/account?sort=-name');
    startBoot('/o/account', loaders());
    await takeBootObjects();
    await new Promise((r) => setTimeout(r, 0));
    expect(fetch.mock.calls.some((c) => String((c as unknown[])[0]).startsWith('/api/v1/records/'))).toBe(false);
    window.history.replaceState(null, '', '/');
  });
});

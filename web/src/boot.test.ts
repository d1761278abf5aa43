import { afterEach, describe, expect, it, vi } from 'vitest';
import { pageModulesFor, startBoot, takeBootObjects, takeBootSession } from './boot';

function loaders() {
  return {
    shell: vi.fn(() => Promise.resolve({})),
    list: vi.fn(() => Promise.resolve({})),
    kanban: vi.fn(() => Promise.resolve({})),
    record: vi.fn(() => Promise.resolve({})),
    home: vi.fn(() => Promise.resolve({})),
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
    expect(pageModulesFor('/setup/objects')).toEqual([]);
    expect(pageModulesFor('/login')).toEqual([]);
  });

  it('asks for the session, the metadata and the page code at once, each taken once', async () => {
    const fetch = vi.fn((url: string) =>
      Promise.resolve(url.endsWith('/me') ? json(200, { user: { id: 'u1' }, tenant: { name: 'demo' } }) : json(200, { objects: [{ name: 'account' }] })),
    );
    vi.stubGlobal('fetch', fetch);
    const load = loaders();
    startBoot('/o/account', load);
    expect(fetch.mock.calls.map((c) => c[0])).toEqual(['/api/v1/me', '/api/v1/metadata/objects']);
    expect(load.shell).toHaveBeenCalledOnce();
    expect(load.list).toHaveBeenCalledOnce();
    expect(load.record).not.toHaveBeenCalled();
    expect((await takeBootSession())?.user).toEqual({ id: 'u1' });
    expect(takeBootSession()).toBeNull();
    expect((await takeBootObjects())?.objects).toEqual([{ name: 'account' }]);
    expect(takeBootObjects()).toBeNull();
  });

  it('asks again for metadata that failed at boot (signed in afterwards)', async () => {
    let signedIn = false;
    const fetch = vi.fn(() => Promise.resolve(signedIn ? json(200, { objects: [{ name: 'lead' }] }) : json(401, { title: 'unauthenticated' })));
    vi.stubGlobal('fetch', fetch);
    startBoot('/o/lead', loaders());
    await expect(takeBootSession()).rejects.toMatchObject({ status: 401 });
    signedIn = true;
    expect((await takeBootObjects())?.objects).toEqual([{ name: 'lead' }]);
    expect(fetch).toHaveBeenCalledTimes(3);
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

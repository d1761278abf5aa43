import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, onUnauthorized, parseProblem, readCookie, request, setApiLanguage } from './client';
import { api } from './endpoints';

type Call = { url: string; init: RequestInit };
let calls: Call[] = [];

function stubFetch(...responses: Response[]) {
  calls = [];
  const queue = [...responses];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const r = queue.shift();
      if (!r) throw new TypeError('Failed to fetch');
      return r;
    }),
  );
}
const json = (body: unknown, status = 200, type = 'application/json') =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } });
const header = (i: number, name: string) => new Headers(calls[i].init.headers).get(name);

function setCookie(value: string) {
  // jsdom: clear then set
  for (const c of document.cookie.split(';')) {
    const k = c.split('=')[0].trim();
    if (k) document.cookie = `${k}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
  if (value) document.cookie = value;
}

beforeEach(() => {
  setApiLanguage('en');
  setCookie('');
});
afterEach(() => {
  vi.unstubAllGlobals();
  onUnauthorized(null);
});

describe('request', () => {
  it('sends Accept-Language of the UI language', async () => {
    stubFetch(json({ objects: [] }), json({ objects: [] }));
    await api.objects();
    expect(header(0, 'Accept-Language')).toBe('en');
    setApiLanguage('zh-CN');
    await api.objects();
    expect(header(1, 'Accept-Language')).toBe('zh-CN');
  });

  it('uses relative same-origin URLs', async () => {
    stubFetch(json({ records: [], next_cursor: null }));
    await api.list('account', { q: '华为', limit: 20, sort: '-amount,name', fields: ['name', 'amount'] });
    expect(calls[0].url).toBe('/api/v1/records/account?limit=20&sort=-amount%2Cname&fields=name%2Camount&q=%E5%8D%8E%E4%B8%BA');
    expect(calls[0].init.credentials).toBe('same-origin');
  });

  it('sends the CSRF cookie as X-CSRF-Token on non-GET requests only', async () => {
    setCookie('keyi_csrf=tok%2F123');
    stubFetch(json({ records: [] }), json({ id: '1' }, 201), json({ records: [], next_cursor: null }));
    await api.list('account', {});
    expect(header(0, 'X-CSRF-Token')).toBeNull();
    await api.create('account', { name: 'A' });
    expect(calls[1].init.method).toBe('POST');
    expect(header(1, 'X-CSRF-Token')).toBe('tok/123');
    expect(header(1, 'Content-Type')).toBe('application/json');
    expect(JSON.parse(String(calls[1].init.body))).toEqual({ name: 'A' });
    await api.query('account', { limit: 50 });
    expect(header(2, 'X-CSRF-Token')).toBe('tok/123');
  });

  it('sends a FormData as it is (multipart), with the CSRF token and no JSON Content-Type', async () => {
    setCookie('keyi_csrf=abc');
    stubFetch(json({ ok: true }));
    const form = new FormData();
    form.append('file', new File(['png'], 'logo.png', { type: 'image/png' }));
    await request('/api/v1/document-template/logo', { method: 'PUT', body: form });
    expect(calls[0].init.method).toBe('PUT');
    expect(calls[0].init.body).toBe(form);
    expect(header(0, 'Content-Type')).toBeNull();
    expect(header(0, 'X-CSRF-Token')).toBe('abc');
  });

  it('sends If-Match with the version on PATCH', async () => {
    setCookie('keyi_csrf=abc');
    stubFetch(json({ id: '1', version: 4 }));
    await api.update('opportunity', '1', 3, { amount: 10 });
    expect(calls[0].init.method).toBe('PATCH');
    expect(header(0, 'If-Match')).toBe('3');
    expect(header(0, 'X-CSRF-Token')).toBe('abc');
  });

  it('parses problem+json into ApiError with field errors', async () => {
    stubFetch(
      json(
        {
          type: 'about:blank',
          title: 'Validation failed',
          status: 422,
          detail: '数据校验失败',
          code: 'validation_failed',
          errors: [{ field: 'amount', code: 'invalid_number', message: '金额必须是数字' }],
        },
        422,
        'application/problem+json',
      ),
    );
    const err = await api.create('opportunity', { amount: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(422);
    expect(e.code).toBe('validation_failed');
    expect(e.message).toBe('数据校验失败');
    expect(e.fieldErrors).toEqual([{ field: 'amount', code: 'invalid_number', message: '金额必须是数字' }]);
  });

  it('exposes the tenant list of a 409 login', async () => {
    stubFetch(json({ title: 'Choose a tenant', status: 409, code: 'tenant_required', tenants: ['acme', 'globex'] }, 409, 'application/problem+json'));
    const e = (await api.login('a@b.c', 'pw').catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(409);
    expect(e.problem.tenants).toEqual(['acme', 'globex']);
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ email: 'a@b.c', password: 'pw' });
  });

  it('passes the chosen tenant on login', async () => {
    stubFetch(json({ token: 't', user: { id: 'u', name: 'N', email: 'a@b.c' }, tenant: { name: 'acme' } }));
    await api.login('a@b.c', 'pw', 'acme');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ email: 'a@b.c', password: 'pw', tenant: 'acme' });
  });

  it('calls the 401 handler, but not for login or /me', async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    const unauth = () => json({ title: 'Unauthorized', status: 401 }, 401, 'application/problem+json');
    stubFetch(unauth(), unauth(), unauth());
    await expect(api.objects()).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    await expect(api.login('a@b.c', 'x')).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('turns network failures into status 0', async () => {
    stubFetch();
    const e = (await request('/api/v1/me').catch((x: unknown) => x)) as ApiError;
    expect(e).toBeInstanceOf(ApiError);
    expect(e.isNetwork).toBe(true);
  });

  it('handles 204 and empty bodies', async () => {
    setCookie('keyi_csrf=z');
    stubFetch(new Response(null, { status: 204 }));
    await expect(api.remove('account', '1')).resolves.toBeUndefined();
    expect(calls[0].init.method).toBe('DELETE');
    expect(header(0, 'X-CSRF-Token')).toBe('z');
  });

  it('encodes filters in the GET form as JSON', async () => {
    stubFetch(json({ records: [], next_cursor: null }));
    await api.list('contact', { filter: { field: 'account', op: 'eq', value: 'a1' } });
    const url = new URL(calls[0].url, 'http://x');
    expect(JSON.parse(url.searchParams.get('filter')!)).toEqual({ field: 'account', op: 'eq', value: 'a1' });
  });
});

describe('parseProblem', () => {
  it('falls back for non-JSON bodies', async () => {
    const p = await parseProblem(new Response('Bad gateway', { status: 502, statusText: 'Bad Gateway' }));
    expect(p.status).toBe(502);
    expect(p.detail).toBe('Bad gateway');
  });
  it('normalises FastAPI validation errors', async () => {
    const p = await parseProblem(json({ detail: [{ loc: ['body', 'email'], msg: 'field required', type: 'missing' }] }, 422));
    expect(p.errors).toEqual([{ field: 'email', code: 'missing', message: 'field required' }]);
  });
});

describe('readCookie', () => {
  it('reads and decodes one cookie', () => {
    expect(readCookie('keyi_csrf', 'a=1; keyi_csrf=x%3Dy; b=2')).toBe('x=y');
    expect(readCookie('nope', 'a=1')).toBeNull();
  });
});

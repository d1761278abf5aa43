import { configure, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import LoginPage, { safeNext } from './LoginPage';
import { groupHits } from '../components/SearchModal';
import { json, problem, renderRoutes, SIGNED_OUT } from '../test/session';

type LoginBody = Record<string, string>;

/**
 * Stub the API for a signed-out browser whose login requests `answer` replies to; returns the
 * bodies the page sent, in order.
 */
function stubLogin(answer: (body: LoginBody) => Response): LoginBody[] {
  const bodies: LoginBody[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      if (url === '/api/v1/me') return SIGNED_OUT();
      if (url === '/api/v1/auth/login') {
        const body = JSON.parse(String(init.body)) as LoginBody;
        bodies.push(body);
        return answer(body);
      }
      throw new Error('unexpected ' + url);
    }),
  );
  return bodies;
}

/** Fill in the sign-in form and send it. */
async function signIn(email: string, password: string) {
  fireEvent.change(await screen.findByLabelText('Email'), { target: { value: email } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByTestId('login-submit'));
}

// antd forms validate asynchronously; on a loaded machine that takes more than the default 1 s.
configure({ asyncUtilTimeout: 10000 });

afterEach(() => vi.unstubAllGlobals());

describe('LoginPage', () => {
  it('shows a tenant picker on 409 and signs in to the chosen tenant', async () => {
    const bodies = stubLogin((body) =>
      body.tenant
        ? json(200, { token: 't', user: { id: 'u', name: 'N', email: body.email }, tenant: { name: body.tenant } })
        : problem(409, { title: 'Choose', tenants: ['acme', 'globex'] }),
    );
    renderRoutes('/login?next=/o/account', { '/login': <LoginPage />, '/o/account': <div>accounts page</div> });
    await signIn('a@b.cn', 'pw');
    expect(await screen.findByText('Choose a workspace')).toBeTruthy();
    fireEvent.click(screen.getByText('globex'));
    fireEvent.click(screen.getByTestId('tenant-submit'));
    expect(await screen.findByText('accounts page')).toBeTruthy();
    await waitFor(() => expect(bodies).toEqual([{ email: 'a@b.cn', password: 'pw' }, { email: 'a@b.cn', password: 'pw', tenant: 'globex' }]));
  });

  it('asks for the authenticator code when the server says it is required, then sends it', async () => {
    const bodies = stubLogin((body) => {
      if (!body.totp) return problem(401, { code: 'totp_required', detail: 'Enter the code from your authenticator app.' });
      if (body.totp !== '123456') return problem(401, { code: 'bad_credentials', detail: 'Wrong email or password.' });
      return json(200, { token: 't', user: { id: 'u', name: 'N', email: body.email }, tenant: { name: 'acme' } });
    });
    renderRoutes('/login', { '/login': <LoginPage />, '/': <div>home page</div> });
    expect(screen.queryByTestId('login-totp')).toBeNull();
    await signIn('a@b.cn', 'pw');
    const code = await screen.findByTestId('login-totp');
    expect(screen.queryByTestId('login-error')).toBeNull(); // not an error: a next step
    fireEvent.change(code, { target: { value: '654321' } });
    fireEvent.click(screen.getByTestId('login-submit'));
    expect(await screen.findByText('Wrong email or password.')).toBeTruthy();
    fireEvent.change(screen.getByTestId('login-totp'), { target: { value: ' 123456 ' } });
    fireEvent.click(screen.getByTestId('login-submit'));
    expect(await screen.findByText('home page')).toBeTruthy();
    expect(bodies.map((b) => b.totp)).toEqual([undefined, '654321', '123456']);
  });

  it('links to the forgotten-password page', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => SIGNED_OUT()));
    renderRoutes('/login', { '/login': <LoginPage /> });
    expect((await screen.findByTestId('forgot-link')).getAttribute('href')).toBe('/forgot-password');
  });

  it('only redirects to paths inside the app', () => {
    expect(safeNext('/o/account?q=1')).toBe('/o/account?q=1');
    expect(safeNext('https://evil.example')).toBe('/');
    expect(safeNext('//evil.example')).toBe('/');
    expect(safeNext('/login')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});

describe('search results', () => {
  it('are grouped by object in order of first appearance', () => {
    const g = groupHits([
      { object: 'account', id: '1', title: 'A' },
      { object: 'contact', id: '2', title: 'B' },
      { object: 'account', id: '3', title: 'C' },
    ]);
    expect(g.map((x) => [x.object, x.hits.map((h) => h.id)])).toEqual([
      ['account', ['1', '3']],
      ['contact', ['2']],
    ]);
  });
});

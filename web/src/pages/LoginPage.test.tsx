import { configure, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { App as AntApp } from 'antd';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { I18nProvider } from '../i18n';
import { SessionProvider } from '../state/session';
import LoginPage, { safeNext } from './LoginPage';
import { groupHits } from '../components/SearchModal';

const problem = (status: number, body: object) =>
  new Response(JSON.stringify({ status, ...body }), { status, headers: { 'Content-Type': 'application/problem+json' } });

// antd forms validate asynchronously; on a loaded machine that takes more than the default 1 s.
configure({ asyncUtilTimeout: 10000 });

afterEach(() => vi.unstubAllGlobals());

describe('LoginPage', () => {
  it('shows a tenant picker on 409 and signs in to the chosen tenant', async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url === '/api/v1/me') return problem(401, { title: 'Unauthorized' });
        if (url === '/api/v1/auth/login') {
          const body = JSON.parse(String(init.body));
          bodies.push(body);
          if (!body.tenant) return problem(409, { title: 'Choose', tenants: ['acme', 'globex'] });
          return new Response(JSON.stringify({ token: 't', user: { id: 'u', name: 'N', email: body.email }, tenant: { name: body.tenant } }), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }
        throw new Error('unexpected ' + url);
      }),
    );
    render(
      <I18nProvider initial="en">
        <AntApp>
          <SessionProvider>
            <MemoryRouter initialEntries={['/login?next=/o/account']}>
              <Routes>
                <Route path="/login" element={<LoginPage />} />
                <Route path="/o/account" element={<div>accounts page</div>} />
              </Routes>
            </MemoryRouter>
          </SessionProvider>
        </AntApp>
      </I18nProvider>,
    );
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'a@b.cn' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('login-submit'));
    expect(await screen.findByText('Choose a workspace')).toBeTruthy();
    fireEvent.click(screen.getByText('globex'));
    fireEvent.click(screen.getByTestId('tenant-submit'));
    expect(await screen.findByText('accounts page')).toBeTruthy();
    await waitFor(() => expect(bodies).toEqual([{ email: 'a@b.cn', password: 'pw' }, { email: 'a@b.cn', password: 'pw', tenant: 'globex' }]));
  });

  it('asks for the authenticator code when the server says it is required, then sends it', async () => {
    const bodies: Record<string, string>[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init: RequestInit) => {
        if (url === '/api/v1/me') return problem(401, { title: 'Unauthorized' });
        if (url === '/api/v1/auth/login') {
          const body = JSON.parse(String(init.body));
          bodies.push(body);
          if (!body.totp) return problem(401, { code: 'totp_required', detail: 'Enter the code from your authenticator app.' });
          if (body.totp !== '123456') return problem(401, { code: 'bad_credentials', detail: 'Wrong email or password.' });
          return new Response(JSON.stringify({ token: 't', user: { id: 'u', name: 'N', email: body.email }, tenant: { name: 'acme' } }), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }
        throw new Error('unexpected ' + url);
      }),
    );
    render(
      <I18nProvider initial="en">
        <AntApp>
          <SessionProvider>
            <MemoryRouter initialEntries={['/login']}>
              <Routes>
                <Route path="/login" element={<LoginPage />} />
                <Route path="/" element={<div>home page</div>} />
              </Routes>
            </MemoryRouter>
          </SessionProvider>
        </AntApp>
      </I18nProvider>,
    );
    expect(screen.queryByTestId('login-totp')).toBeNull();
    fireEvent.change(await screen.findByLabelText('Email'), { target: { value: 'a@b.cn' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(screen.getByTestId('login-submit'));
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
    vi.stubGlobal('fetch', vi.fn(async () => problem(401, { title: 'Unauthorized' })));
    render(
      <I18nProvider initial="en">
        <AntApp>
          <SessionProvider>
            <MemoryRouter initialEntries={['/login']}>
              <Routes>
                <Route path="/login" element={<LoginPage />} />
              </Routes>
            </MemoryRouter>
          </SessionProvider>
        </AntApp>
      </I18nProvider>,
    );
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

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { me, portalCase, renderPortal, session, stubPortal, WAIT } from '../test/portal';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const casesAsked = (sent: { path: string; method: string; query: URLSearchParams }[]) =>
  sent.filter((s) => s.path === '/cases' && s.method === 'GET').map((s) => Object.fromEntries(s.query));

describe('Portal case list', { timeout: 60000 }, () => {
  it('lists my open cases, newest first as the API answers, with "waiting on you" marked', async () => {
    const sent = stubPortal((s) =>
      s.path === '/cases'
        ? { records: [portalCase(2, { waiting_on_you: true, status: 'waiting_on_customer', status_label: 'Waiting on customer' }), portalCase(1)], next_cursor: null }
        : undefined,
    );
    renderPortal('/portal/acme/cases');
    const rows = await screen.findAllByTestId('portal-case-row', {}, WAIT);
    expect(rows.map((r) => within(r).getByText(/^Case subject/).textContent)).toEqual(['Case subject 2', 'Case subject 1']);
    expect(within(rows[0]).getByTestId('portal-waiting').textContent).toBe('Waiting for your reply');
    expect(within(rows[1]).queryByTestId('portal-waiting')).toBeNull();
    expect(rows[0].getAttribute('href')).toBe('/portal/acme/cases/case-2');
    expect(casesAsked(sent)).toEqual([{ scope: 'mine', status: 'open' }]);
    // no company tab without company access
    expect(screen.queryByText('Company cases')).toBeNull();
  });

  it('filters by status, searches, and switches to the company’s cases when allowed', async () => {
    const sent = stubPortal((s) => (s.path === '/cases' ? { records: [portalCase(1, { contact_name: '王五' })], next_cursor: null } : undefined), me({ company_access: true }));
    renderPortal('/portal/acme/cases');
    await screen.findAllByTestId('portal-case-row', {}, WAIT);
    fireEvent.click(screen.getByText('Closed'));
    await waitFor(() => expect(casesAsked(sent).at(-1)).toEqual({ scope: 'mine', status: 'closed' }));
    fireEvent.change(screen.getByTestId('portal-case-search'), { target: { value: ' GD-2026 ' } });
    fireEvent.keyDown(screen.getByTestId('portal-case-search'), { key: 'Enter', code: 'Enter', keyCode: 13 });
    await waitFor(() => expect(casesAsked(sent).at(-1)).toEqual({ scope: 'mine', status: 'closed', q: 'GD-2026' }));
    fireEvent.click(screen.getByText('Company cases'));
    await waitFor(() => expect(casesAsked(sent).at(-1)).toEqual({ scope: 'company', status: 'closed', q: 'GD-2026' }));
    expect(await screen.findByText('Opened by 王五')).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/cases?status=closed&q=GD-2026&scope=company');
  });

  it('pages on with the cursor and keeps what it has', async () => {
    const sent = stubPortal((s) => {
      if (s.path !== '/cases') return undefined;
      return s.query.get('cursor') === 'c2'
        ? { records: [portalCase(3)], next_cursor: null }
        : { records: [portalCase(1), portalCase(2)], next_cursor: 'c2' };
    });
    renderPortal('/portal/acme/cases');
    expect(await screen.findAllByTestId('portal-case-row', {}, WAIT)).toHaveLength(2);
    fireEvent.click(screen.getByTestId('portal-cases-more'));
    await waitFor(() => expect(screen.getAllByTestId('portal-case-row')).toHaveLength(3));
    expect(casesAsked(sent).at(-1)).toEqual({ scope: 'mine', status: 'open', cursor: 'c2' });
    expect(screen.queryByTestId('portal-cases-more')).toBeNull();
  });

  it('says so when nothing matches a search', async () => {
    stubPortal((s) => (s.path === '/cases' ? { records: [], next_cursor: null } : undefined));
    renderPortal('/portal/acme/cases?q=%E6%89%93%E5%8D%B0');
    expect(await screen.findByText('No case matches “打印”.', {}, WAIT)).toBeTruthy();
  });

  it('goes back to the tenant’s sign-in page when the session has ended (401), and returns after signing in', async () => {
    let signedIn = false;
    const sent = stubPortal((s) => {
      if (s.path === '/login') {
        signedIn = true;
        return json(200, session());
      }
      if (s.path === '/cases') return signedIn ? { records: [portalCase(1)], next_cursor: null } : problem(401, { code: 'unauthenticated', title: 'Sign in' });
      return undefined;
    });
    renderPortal('/portal/acme/cases?status=all');
    expect(await screen.findByTestId('portal-login-submit', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme?next=%2Fportal%2Facme%2Fcases%3Fstatus%3Dall');
    expect(screen.getByTestId('portal-expired').textContent).toBe('Your session has ended. Please sign in again.');
    fireEvent.change(screen.getByTestId('portal-login-email'), { target: { value: 'zhang@example.com' } });
    fireEvent.change(screen.getByTestId('portal-login-password'), { target: { value: 'S3cret-pass' } });
    fireEvent.click(screen.getByTestId('portal-login-submit'));
    expect(await screen.findAllByTestId('portal-case-row', {}, WAIT)).toHaveLength(1);
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/cases?status=all');
    expect(casesAsked(sent).at(-1)).toEqual({ scope: 'mine', status: 'all' });
  });

  it('sends a visitor without a session to sign in', async () => {
    const sent = stubPortal(() => undefined, null);
    renderPortal('/portal/acme/cases/case-9');
    expect(await screen.findByTestId('portal-login-submit', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme?next=%2Fportal%2Facme%2Fcases%2Fcase-9');
    expect(sent.some((s) => s.path.startsWith('/cases'))).toBe(false);
  });
});

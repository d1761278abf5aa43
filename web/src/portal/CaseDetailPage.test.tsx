import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { caseDetail, CSRF, message, renderPortal, setCsrfCookie, stubPortal, WAIT } from '../test/portal';

beforeEach(() => setCsrfCookie(CSRF));
afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  setCsrfCookie(null);
});

const THREAD = [
  message('m1', { body: 'My printer jams <b>every</b> page', body_html: null, from_customer: true, author: '张三', created_at: '2026-12-01T02:00:00Z' }),
  message('m2', {
    body: 'Please try the rear tray.',
    body_html: '<p>Please try the <strong>rear tray</strong>.</p>',
    from_customer: false,
    author: '客服小王',
    created_at: '2026-12-01T03:00:00Z',
  }),
];

describe('Portal case page', { timeout: 60000 }, () => {
  it('shows the case and its thread oldest first, customer and company on their sides, HTML only as the API sanitised it', async () => {
    // the API answers oldest first; given out of order, the page still shows them so
    stubPortal((s) => {
      if (s.path === '/cases/case-1') return caseDetail(1, { description: 'Since Monday.\nEvery page.' });
      if (s.path === '/cases/case-1/messages') return { records: [THREAD[1], THREAD[0]] };
      return undefined;
    });
    renderPortal('/portal/acme/cases/case-1');
    expect(await screen.findByTestId('portal-case-title', {}, WAIT)).toHaveProperty('textContent', 'Case subject 1');
    expect(screen.getByTestId('portal-case-status').textContent).toBe('In progress');
    expect(screen.getByTestId('portal-case-body').textContent).toBe('Since Monday.\nEvery page.');
    const messages = within(screen.getByTestId('portal-thread')).getAllByTestId('portal-message');
    expect(messages.map((m) => m.getAttribute('data-from'))).toEqual(['customer', 'company']);
    expect(messages[0].className).toContain('is-customer');
    expect(messages[1].className).not.toContain('is-customer');
    // body without sanitised HTML: shown as text, its markup not rendered
    expect(messages[0].querySelector('b')).toBeNull();
    expect(messages[0].textContent).toContain('My printer jams <b>every</b> page');
    // sanitised body_html: rendered
    expect(messages[1].querySelector('strong')?.textContent).toBe('rear tray');
    expect(within(messages[1]).getByText(/客服小王/)).toBeTruthy();
    expect(screen.queryByTestId('portal-waiting-banner')).toBeNull();
    expect(screen.queryByTestId('portal-survey')).toBeNull();
  });

  it('sends a reply with the CSRF header, adds it to the thread and shows the case’s new status', async () => {
    let replied = false;
    const sent = stubPortal((s) => {
      if (s.path === '/cases/case-1' && s.method === 'GET')
        return replied
          ? caseDetail(1, { status: 'in_progress', status_label: 'In progress' })
          : caseDetail(1, { status: 'waiting_on_customer', status_label: 'Waiting on customer', waiting_on_you: true });
      if (s.path === '/cases/case-1/messages' && s.method === 'GET') return { records: THREAD };
      if (s.path === '/cases/case-1/messages' && s.method === 'POST') {
        replied = true;
        return json(201, message('m3', { body: String(s.body.body), from_customer: true, created_at: '2026-12-02T02:00:00Z' }));
      }
      return undefined;
    });
    renderPortal('/portal/acme/cases/case-1');
    expect((await screen.findByTestId('portal-waiting-banner', {}, WAIT)).textContent).toContain('We are waiting for your reply');
    fireEvent.click(screen.getByTestId('portal-reply-submit'));
    expect(await screen.findByText('Write a reply first')).toBeTruthy();
    fireEvent.change(screen.getByTestId('portal-reply'), { target: { value: '  Rear tray works, thanks!  ' } });
    fireEvent.click(screen.getByTestId('portal-reply-submit'));
    await waitFor(() => expect(screen.getAllByTestId('portal-message')).toHaveLength(3));
    expect(screen.getAllByTestId('portal-message')[2].textContent).toContain('Rear tray works, thanks!');
    const post = sent.filter((s) => s.method === 'POST');
    expect(post.map((s) => [s.path, s.body, s.headers['x-csrf-token']])).toEqual([['/cases/case-1/messages', { body: 'Rear tray works, thanks!' }, CSRF]]);
    // GETs carry no CSRF header
    expect(sent.filter((s) => s.method === 'GET').every((s) => !('x-csrf-token' in s.headers))).toBe(true);
    await waitFor(() => expect(screen.getByTestId('portal-case-status').textContent).toBe('In progress'));
    expect(screen.queryByTestId('portal-waiting-banner')).toBeNull();
    expect((screen.getByTestId('portal-reply') as HTMLTextAreaElement).value).toBe('');
  });

  it('disables the reply box when the case can no longer be answered, and shows the survey link once resolved', async () => {
    stubPortal((s) => {
      if (s.path === '/cases/case-1')
        return caseDetail(1, {
          status: 'closed',
          status_label: 'Closed',
          can_reply: false,
          resolution: 'Replaced the roller.',
          resolved_at: '2026-12-03T02:00:00Z',
          survey_url: 'https://crm.example.com/survey/tok',
        });
      if (s.path === '/cases/case-1/messages') return { records: THREAD };
      return undefined;
    });
    renderPortal('/portal/acme/cases/case-1');
    expect(await screen.findByTestId('portal-reply-closed', {}, WAIT)).toBeTruthy();
    expect((screen.getByTestId('portal-reply') as HTMLTextAreaElement).disabled).toBe(true);
    expect((screen.getByTestId('portal-reply-submit') as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Replaced the roller.')).toBeTruthy();
    expect(screen.getByTestId('portal-survey').getAttribute('href')).toBe('https://crm.example.com/survey/tok');
  });

  it('says a closed case cannot take the reply (409 case_closed) and stops offering the box', async () => {
    stubPortal((s) => {
      if (s.path === '/cases/case-1') return caseDetail(1, { status: 'resolved', status_label: 'Resolved' });
      if (s.path === '/cases/case-1/messages' && s.method === 'GET') return { records: THREAD };
      if (s.path === '/cases/case-1/messages') return problem(409, { code: 'case_closed', title: 'Closed' });
      return undefined;
    });
    renderPortal('/portal/acme/cases/case-1');
    fireEvent.change(await screen.findByTestId('portal-reply', {}, WAIT), { target: { value: 'One more thing' } });
    fireEvent.click(screen.getByTestId('portal-reply-submit'));
    expect(await screen.findByText('This case is closed and can no longer be reopened. Please open a new case.', {}, WAIT)).toBeTruthy();
    expect((screen.getByTestId('portal-reply') as HTMLTextAreaElement).disabled).toBe(true);
    expect(screen.getAllByTestId('portal-message')).toHaveLength(2);
  });

  it('says a case it may not see is not found', async () => {
    stubPortal((s) => (s.path.startsWith('/cases/other') ? problem(404, { code: 'not_found', title: 'Not found' }) : undefined));
    renderPortal('/portal/acme/cases/other');
    expect(await screen.findByText('Case not found', {}, WAIT)).toBeTruthy();
    expect(screen.queryByTestId('portal-thread')).toBeNull();
  });
});

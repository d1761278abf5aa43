import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { json, problem } from '../test/session';
import { caseDetail, CSRF, portalCase, renderPortal, setCsrfCookie, stubPortal, WAIT } from '../test/portal';

beforeEach(() => setCsrfCookie(CSRF));
afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
  setCsrfCookie(null);
});

async function pickType(label: string) {
  fireEvent.mouseDown(within(screen.getByTestId('portal-case-type')).getByRole('combobox'));
  fireEvent.click(await screen.findByTitle(label));
}

describe('Portal new case', { timeout: 60000 }, () => {
  it('needs a subject, then files the case with type and urgency (CSRF header sent) and opens it', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/cases' && s.method === 'POST') return json(201, caseDetail(7, { subject: String(s.body.subject) }));
      if (s.path === '/cases/case-7') return caseDetail(7, { subject: 'Printer jams' });
      if (s.path === '/cases/case-7/messages') return { records: [] };
      return undefined;
    });
    renderPortal('/portal/acme/cases/new');
    fireEvent.click(await screen.findByTestId('portal-case-submit', {}, WAIT));
    expect(await screen.findByText('Enter a subject')).toBeTruthy();
    expect(sent.filter((s) => s.method === 'POST')).toHaveLength(0);

    fireEvent.change(screen.getByTestId('portal-case-subject'), { target: { value: ' Printer jams ' } });
    fireEvent.change(screen.getByTestId('portal-case-description'), { target: { value: 'Every page since Monday.' } });
    await pickType('Return / exchange');
    fireEvent.click(within(screen.getByTestId('portal-case-priority')).getByText('High'));
    fireEvent.click(screen.getByTestId('portal-case-submit'));
    expect(await screen.findByTestId('portal-thread', {}, WAIT)).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/cases/case-7');
    const post = sent.filter((s) => s.method === 'POST');
    expect(post.map((s) => [s.path, s.body, s.headers['x-csrf-token']])).toEqual([
      ['/cases', { subject: 'Printer jams', description: 'Every page since Monday.', type: 'return_exchange', priority: 'high' }, CSRF],
    ]);
  });

  it('sends medium urgency and no type when none is chosen', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/cases' && s.method === 'POST') return json(201, caseDetail(8));
      if (s.path.startsWith('/cases/case-8')) return s.path.endsWith('messages') ? { records: [] } : caseDetail(8);
      return undefined;
    });
    renderPortal('/portal/acme/cases/new');
    fireEvent.change(await screen.findByTestId('portal-case-subject', {}, WAIT), { target: { value: 'Question' } });
    fireEvent.click(screen.getByTestId('portal-case-submit'));
    await waitFor(() => expect(sent.filter((s) => s.method === 'POST').map((s) => s.body)).toEqual([{ subject: 'Question', priority: 'medium' }]));
  });

  it('shows the server’s field errors beside their fields', async () => {
    stubPortal((s) =>
      s.path === '/cases' && s.method === 'POST'
        ? problem(422, { code: 'validation_failed', title: 'Invalid', errors: [{ field: 'description', code: 'too_long', message: 'At most 20000 characters.' }] })
        : undefined,
    );
    renderPortal('/portal/acme/cases/new');
    fireEvent.change(await screen.findByTestId('portal-case-subject', {}, WAIT), { target: { value: 'Long story' } });
    fireEvent.click(screen.getByTestId('portal-case-submit'));
    const text = await screen.findByText('At most 20000 characters.', {}, WAIT);
    expect((screen.getByTestId('portal-case-description').closest('.ant-form-item') as HTMLElement).contains(text)).toBe(true);
  });

  it('labels types as the API does once it has answered them, else from its own table', async () => {
    stubPortal((s) => (s.path === '/cases' ? { records: [portalCase(1, { type: 'fault', type_label: '设备故障' })], next_cursor: null } : undefined));
    renderPortal('/portal/acme/cases');
    await screen.findAllByTestId('portal-case-row', {}, WAIT);
    fireEvent.click(screen.getByTestId('portal-new-case'));
    await screen.findByTestId('portal-case-subject', {}, WAIT);
    fireEvent.mouseDown(within(screen.getByTestId('portal-case-type')).getByRole('combobox'));
    expect(await screen.findByTitle('设备故障')).toBeTruthy();
    expect(screen.getByTitle('Installation')).toBeTruthy();
  });
});

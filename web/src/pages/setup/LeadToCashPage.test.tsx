import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import LeadToCashPage from './LeadToCashPage';

afterEach(() => vi.unstubAllGlobals());

const URL = '/api/v1/l2c/settings';

describe('LeadToCashPage', () => {
  it('shows the setting and switches overpayments on with a PUT', async () => {
    const sent = stubApi((s: Sent) => (s.method === 'PUT' ? s.body : { allow_overpayment: false }));
    renderWith(<LeadToCashPage />);
    const toggle = await screen.findByTestId('l2c-allow-overpayment');
    expect(sent[0]).toMatchObject({ method: 'GET', url: URL });
    expect(screen.getByText('Lead-to-cash')).toBeTruthy();
    expect(screen.getByText('Allow payments above a plan’s open amount')).toBeTruthy();
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(toggle);
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(sent[1]).toEqual({ method: 'PUT', url: URL, body: { allow_overpayment: true } });
    expect(await screen.findByText('Setting saved')).toBeTruthy();
  });

  it('keeps the switch as it was when the server refuses (not an administrator)', async () => {
    const sent = stubApi(
      (s: Sent) => (s.method === 'PUT' ? { type: 'about:blank', title: 'Forbidden', status: 403, code: 'forbidden' } : { allow_overpayment: true }),
      (s: Sent) => (s.method === 'PUT' ? 403 : 200),
    );
    renderWith(<LeadToCashPage />, { lang: 'zh-CN' });
    const toggle = await screen.findByTestId('l2c-allow-overpayment');
    expect(screen.getByText('交易设置')).toBeTruthy();
    expect(screen.getByText('允许超额回款')).toBeTruthy();
    expect(toggle.getAttribute('aria-checked')).toBe('true');
    fireEvent.click(toggle);
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1].body).toEqual({ allow_overpayment: false });
    expect(await screen.findByText('您没有执行此操作的权限。')).toBeTruthy();
    await waitFor(() => expect(toggle.getAttribute('aria-checked')).toBe('true'));
    expect(toggle.querySelector('.ant-switch-loading-icon')).toBeNull();
  });

  it('says so when the company has no lead-to-cash package', async () => {
    stubApi(
      () => ({ title: 'Not found', status: 404, code: 'not_found' }),
      () => 404,
    );
    renderWith(<LeadToCashPage />);
    expect((await screen.findByTestId('l2c-not-installed')).textContent).toContain('has not installed the lead-to-cash package');
    expect(screen.queryByTestId('l2c-allow-overpayment')).toBeNull();
  });

  it('offers a retry when the settings cannot be read', async () => {
    const sent = stubApi(
      () => ({ title: 'Server error', status: 500, code: 'internal' }),
      () => 500,
    );
    renderWith(<LeadToCashPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent.every((s) => s.url === URL && s.method === 'GET')).toBe(true);
  });
});

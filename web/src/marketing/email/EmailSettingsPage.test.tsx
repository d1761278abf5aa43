import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import EmailSettingsPage from './EmailSettingsPage';

afterEach(() => vi.unstubAllGlobals());

const SETTINGS = { rate_per_minute: 6000, from_name: '客易', from_address: null };

describe('EmailSettingsPage', () => {
  it('saves the rate and sender, and shows a refused address on its field', async () => {
    const sent = stubApi(
      (s: Sent) => {
        if (s.method !== 'PUT') return SETTINGS;
        if (s.body.from_address === 'nope') {
          return { title: 'Invalid', status: 422, code: 'invalid_request', errors: [{ field: 'from_address', code: 'invalid_email', message: '必须是邮箱地址。' }] };
        }
        return s.body;
      },
      (s: Sent) => (s.method === 'PUT' && s.body.from_address === 'nope' ? 422 : 200),
    );
    renderWith(<EmailSettingsPage />, { lang: 'zh-CN' });
    const rate = (await screen.findByTestId('email-settings-rate')) as HTMLInputElement;
    expect(rate.value).toBe('6000');
    fireEvent.change(rate, { target: { value: '600' } });
    fireEvent.change(screen.getByTestId('email-settings-from-address'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByTestId('email-settings-save'));
    await waitFor(() => expect(sent.filter((s) => s.method === 'PUT')).toHaveLength(1));
    expect(await screen.findByText('必须是邮箱地址。')).toBeTruthy();
    fireEvent.change(screen.getByTestId('email-settings-from-address'), { target: { value: 'news@example.com' } });
    fireEvent.click(screen.getByTestId('email-settings-save'));
    expect(await screen.findByText('设置已保存')).toBeTruthy();
    await waitFor(() => expect(sent.filter((s) => s.method === 'PUT')).toHaveLength(2));
    expect(sent.filter((s) => s.method === 'PUT')[1].body).toEqual({ rate_per_minute: 600, from_name: '客易', from_address: 'news@example.com' });
  });
});

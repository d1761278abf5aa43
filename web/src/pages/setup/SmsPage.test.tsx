import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import { parseParams, settingsPayload, settingsToForm, type SmsSettings } from './sms';
import SmsPage from './SmsPage';

afterEach(() => vi.unstubAllGlobals());

const saved: SmsSettings = {
  provider: 'aliyun',
  base_url: null,
  region: null,
  access_key_id: 'LTAI-example',
  has_secret: true,
  sdk_app_id: null,
  sign_name: '客易科技',
  opt_out_keywords: ['TD', 'T', '退订', 'STOP', 'UNSUBSCRIBE'],
  rate_per_minute: 600,
  updated_at: '2026-12-01T00:00:00Z',
  last_test_status: 'failed',
  last_test_error: 'SignatureDoesNotMatch: Specified signature does not match',
  last_test_at: '2026-12-01T01:00:00Z',
  inbound_paths: { aliyun: '/api/v1/public/sms/acme/aliyun/inbound?token=abc', tencent: '/api/v1/public/sms/acme/tencent/inbound?token=def' },
  report_paths: { aliyun: '/api/v1/public/sms/acme/aliyun/report?token=abc', tencent: '/api/v1/public/sms/acme/tencent/report?token=def' },
};

function input(testId: string): HTMLInputElement {
  const el = screen.getByTestId(testId);
  return (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el : el.querySelector('input')) as HTMLInputElement;
}

describe('SmsPage', () => {
  it('shows the saved provider without its secret, the callback URL and the last test', async () => {
    const sent = stubApi(() => saved);
    renderWith(<SmsPage />);
    await screen.findByTestId('sms-page');
    expect(sent[0].url).toBe('/api/v1/sms/settings');
    expect(input('sms-key-id').value).toBe('LTAI-example');
    expect(input('sms-secret').value).toBe('');
    expect(screen.getByText('Saved — leave empty to keep it')).toBeTruthy();
    expect(screen.getByTestId('sms-inbound-url').textContent).toContain('/api/v1/public/sms/acme/aliyun/inbound?token=abc');
    expect(screen.getByTestId('sms-report-url').textContent).toContain('/api/v1/public/sms/acme/aliyun/report?token=abc');
    expect(screen.getByTestId('sms-last-test').textContent).toContain('failed');
    expect(screen.getByTestId('sms-last-test').textContent).toContain('SignatureDoesNotMatch');
  });

  it('saves without the secret unless one is typed, and shows server errors on their inputs', async () => {
    let puts = 0;
    const sent = stubApi(
      (s: Sent) => {
        if (s.method !== 'PUT') return saved;
        puts += 1;
        return puts === 1 ? saved : { status: 422, code: 'invalid_request', errors: [{ field: 'access_key_id', code: 'required', message: 'Required.' }] };
      },
      (s) => (s.method === 'PUT' && puts === 2 ? 422 : 200),
    );
    renderWith(<SmsPage />);
    await screen.findByTestId('sms-page');
    fireEvent.click(screen.getByTestId('sms-save'));
    await waitFor(() => expect(sent.some((s) => s.method === 'PUT')).toBe(true));
    const first = sent.find((s) => s.method === 'PUT')!;
    expect(first.url).toBe('/api/v1/sms/settings');
    expect(first.body).toMatchObject({ provider: 'aliyun', access_key_id: 'LTAI-example', sign_name: '客易科技' });
    expect(first.body).not.toHaveProperty('access_key_secret');
    fireEvent.change(input('sms-secret'), { target: { value: 'new-secret' } });
    fireEvent.click(screen.getByTestId('sms-save'));
    await waitFor(() => expect(sent.filter((s) => s.method === 'PUT')).toHaveLength(2));
    expect(sent.filter((s) => s.method === 'PUT')[1].body).toMatchObject({ access_key_secret: 'new-secret' });
    expect(await screen.findByText('Required.')).toBeTruthy();
  });

  it('sends a test and shows the provider’s verdict', async () => {
    const sent = stubApi((s: Sent) =>
      s.method === 'POST' ? { ok: false, provider: 'aliyun', message_id: null, error_code: 'isv.BUSINESS_LIMIT_CONTROL', error_message: '触发分钟级流控' } : saved,
    );
    renderWith(<SmsPage />, { lang: 'zh-CN' });
    await screen.findByTestId('sms-page');
    fireEvent.change(input('sms-test-phone'), { target: { value: '13812345678' } });
    fireEvent.change(input('sms-test-template'), { target: { value: 'SMS_1001' } });
    fireEvent.change(input('sms-test-params'), { target: { value: 'code=4321' } });
    fireEvent.click(screen.getByTestId('sms-test-send'));
    const outcome = await screen.findByTestId('sms-test-outcome');
    expect(outcome.textContent).toContain('服务商未接收该短信');
    expect(outcome.textContent).toContain('isv.BUSINESS_LIMIT_CONTROL');
    expect(sent.find((s) => s.method === 'POST')).toMatchObject({
      url: '/api/v1/sms/test',
      body: { phone: '13812345678', template_code: 'SMS_1001', params: { code: '4321' } },
    });
  });

  it('the log provider asks for no keys', async () => {
    stubApi(() => ({ ...saved, provider: 'log', has_secret: false }));
    renderWith(<SmsPage />);
    await screen.findByTestId('sms-page');
    expect(screen.queryByTestId('sms-secret')).toBeNull();
    expect(screen.queryByTestId('sms-inbound-url')).toBeNull();
  });
});

describe('sms helpers', () => {
  it('builds the payload: secret only when typed, vendor fields only for a vendor', () => {
    const form = settingsToForm(saved);
    expect(settingsPayload(form)).not.toHaveProperty('access_key_secret');
    expect(settingsPayload({ ...form, access_key_secret: ' s ' })).toMatchObject({ access_key_secret: 's' });
    expect(settingsPayload({ ...form, provider: 'log' })).toEqual({ provider: 'log', opt_out_keywords: saved.opt_out_keywords, rate_per_minute: 600 });
    expect(settingsPayload({ ...form, provider: 'tencent', sdk_app_id: '1400006666' })).toMatchObject({ sdk_app_id: '1400006666' });
  });

  it('reads test parameters as name=value lines in order', () => {
    expect(parseParams('1=4321\n2=5\n')).toEqual({ 1: '4321', 2: '5' });
    expect(parseParams('')).toEqual({});
    expect(parseParams('no equals sign')).toBeNull();
  });
});

import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWith } from '../../test/render';
import { json, problem, renderRoutes } from '../../test/session';
import type { DocumentTemplate } from './api';
import DocumentTemplatePage from './DocumentTemplatePage';
import SetupPage from './SetupPage';
import { StaticMetadataProvider } from '../../state/metadata';

afterEach(() => vi.unstubAllGlobals());

const saved: DocumentTemplate = {
  company_name: '上海星河科技有限公司',
  address: '上海市浦东新区张江路 88 号',
  phone: '021-5888 0000',
  tax_id: '91310115MA1K4XXXX1',
  bank_name: '招商银行上海张江支行',
  bank_account: '1219 0888 0000 001',
  accent_color: '#1677FF',
  footer_text: { 'zh-CN': '服务热线 400-800-0000', en: 'Hotline 400-800-0000' },
  terms_text: { 'zh-CN': '付款：合同签订后 30 日内。', en: '' },
  has_logo: true,
  logo_media_type: 'image/png',
  logo_size: 39117,
  updated_by: null,
  updated_at: '2026-05-01T02:00:00Z',
};

/** One request as the page sent it: a JSON body parsed, a multipart form kept as it is. */
interface Call {
  url: string;
  method: string;
  body: Record<string, unknown> | null;
  form: FormData | null;
  contentType: string | null;
}

/** Stub fetch: record every request, answer with `answer` (a Response, or JSON with 200). */
function stub(answer: (c: Call) => Response | unknown): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const form = init.body instanceof FormData ? init.body : null;
      const call: Call = {
        url,
        method: init.method ?? 'GET',
        body: init.body && !form ? (JSON.parse(String(init.body)) as Record<string, unknown>) : null,
        form,
        contentType: new Headers(init.headers).get('Content-Type'),
      };
      calls.push(call);
      const a = answer(call);
      return a instanceof Response ? a : json(200, a);
    }),
  );
  return calls;
}

function input(testId: string): HTMLInputElement | HTMLTextAreaElement {
  const el = screen.getByTestId(testId);
  return (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' ? el : el.querySelector('input, textarea')) as HTMLInputElement;
}

function itemError(testId: string): string {
  return screen.getByTestId(testId).closest('.ant-form-item')?.querySelector('.ant-form-item-explain')?.textContent ?? '';
}

function fileInput(): HTMLInputElement {
  return screen.getByTestId('doc-template-page').querySelector('input[type="file"]') as HTMLInputElement;
}

describe('DocumentTemplatePage', () => {
  it('loads the template: company details, colour, both languages’ texts and the logo with its limit', async () => {
    const calls = stub(() => saved);
    renderWith(<DocumentTemplatePage />);
    await waitFor(() => expect(input('doc-template-company_name').value).toBe('上海星河科技有限公司'));
    expect(calls[0]).toMatchObject({ method: 'GET', url: '/api/v1/document-template' });
    expect(input('doc-template-tax_id').value).toBe('91310115MA1K4XXXX1');
    expect(input('doc-template-bank_account').value).toBe('1219 0888 0000 001');
    expect(input('doc-template-footer-zh-CN').value).toBe('服务热线 400-800-0000');
    expect(input('doc-template-footer-en').value).toBe('Hotline 400-800-0000');
    expect(input('doc-template-terms-zh-CN').value).toBe('付款：合同签订后 30 日内。');
    expect(input('doc-template-terms-en').value).toBe('');
    expect((screen.getByTestId('doc-template-accent_color') as HTMLInputElement).value.toUpperCase()).toBe('#1677FF');
    const img = screen.getByTestId('doc-template-logo-img') as HTMLImageElement;
    expect(img.getAttribute('src')).toMatch(/^\/api\/v1\/document-template\/logo\?v=/);
    expect(screen.getByTestId('doc-template-logo-info').textContent).toBe('PNG · 38.2 KB');
    expect(screen.getByText('PNG or JPEG, at most 512 KB; printed 16 mm high at the top of the first page.')).toBeTruthy();
    expect(screen.getByText('Replace logo')).toBeTruthy();
  });

  it('shows the Chinese labels and an empty logo slot for a company without a logo', async () => {
    stub(() => ({ ...saved, has_logo: false, logo_media_type: null, logo_size: null }));
    renderWith(<DocumentTemplatePage />, { lang: 'zh-CN' });
    expect(await screen.findByText('暂无标志')).toBeTruthy();
    expect(screen.getByText('统一社会信用代码（税号）')).toBeTruthy();
    expect(screen.getByText('上传标志')).toBeTruthy();
    expect(screen.getByText('PNG 或 JPEG 图片，不超过 512 KB；打印在首页顶部，高 16 毫米。')).toBeTruthy();
    expect(screen.queryByTestId('doc-template-logo-remove')).toBeNull();
  });

  it('saves every text trimmed with the colour and both languages, never the logo', async () => {
    const calls = stub((c) => (c.method === 'PUT' ? { ...saved, ...c.body, updated_at: '2026-05-02T03:00:00Z' } : saved));
    renderWith(<DocumentTemplatePage />);
    await waitFor(() => expect(input('doc-template-company_name').value).toBe('上海星河科技有限公司'));
    fireEvent.change(input('doc-template-phone'), { target: { value: '  021-6000 1234 ' } });
    fireEvent.change(input('doc-template-terms-en'), { target: { value: 'Payment within 30 days. ' } });
    fireEvent.change(input('doc-template-footer-zh-CN'), { target: { value: '' } });
    fireEvent.click(screen.getByTestId('doc-template-save'));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/v1/document-template');
    expect(put.body).toEqual({
      company_name: '上海星河科技有限公司',
      address: '上海市浦东新区张江路 88 号',
      phone: '021-6000 1234',
      tax_id: '91310115MA1K4XXXX1',
      bank_name: '招商银行上海张江支行',
      bank_account: '1219 0888 0000 001',
      accent_color: '#1677FF',
      footer_text: { 'zh-CN': '', en: 'Hotline 400-800-0000' },
      terms_text: { 'zh-CN': '付款：合同签订后 30 日内。', en: 'Payment within 30 days.' },
    });
    expect(await screen.findByText('Document template saved')).toBeTruthy();
    await waitFor(() => expect(input('doc-template-phone').value).toBe('021-6000 1234'));
  });

  it('shows the server’s field errors under their inputs, the English footer’s included, and the rest above the form', async () => {
    stub((c) =>
      c.method === 'PUT'
        ? problem(422, {
            title: 'Unprocessable',
            code: 'validation_failed',
            errors: [
              { field: 'accent_color', code: 'invalid_color', message: 'Use a colour like #1677FF' },
              { field: 'footer_text.en', code: 'too_long', message: 'At most 300 characters' },
            ],
          })
        : saved,
    );
    renderWith(<DocumentTemplatePage />);
    await waitFor(() => expect(input('doc-template-company_name').value).toBe('上海星河科技有限公司'));
    fireEvent.click(screen.getByTestId('doc-template-save'));
    await waitFor(() => expect(itemError('doc-template-accent_color')).toBe('Use a colour like #1677FF'));
    expect(itemError('doc-template-footer-en')).toBe('At most 300 characters');
    expect(itemError('doc-template-footer-zh-CN')).toBe('');
    expect(screen.getByTestId('doc-template-errors').textContent).toContain('See the highlighted fields');
  });

  it('uploads a picked logo as the multipart field “file” and shows the new one', async () => {
    const after = { ...saved, has_logo: true, logo_media_type: 'image/jpeg', logo_size: 2048, updated_at: '2026-05-03T00:00:00Z' };
    const calls = stub((c) => (c.method === 'PUT' ? after : { ...saved, has_logo: false, logo_media_type: null, logo_size: null }));
    renderWith(<DocumentTemplatePage />);
    await screen.findByText('No logo');
    const file = new File([new Uint8Array(2048)], 'logo.jpg', { type: 'image/jpeg' });
    fireEvent.change(fileInput(), { target: { files: [file] } });
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    const put = calls.find((c) => c.method === 'PUT')!;
    expect(put.url).toBe('/api/v1/document-template/logo');
    expect(put.body).toBeNull();
    expect(put.contentType).toBeNull(); // fetch writes multipart/form-data with its boundary
    const sent = put.form!.get('file') as File;
    expect(sent.name).toBe('logo.jpg');
    expect(sent.size).toBe(2048);
    expect(await screen.findByText('Logo uploaded')).toBeTruthy();
    expect(screen.getByTestId('doc-template-logo-info').textContent).toBe('JPEG · 2.0 KB');
    expect(screen.getByTestId('doc-template-logo-img').getAttribute('src')).toContain(encodeURIComponent('2026-05-03T00:00:00Z'));
  });

  it('refuses a file over 512 KB or not PNG/JPEG before sending it, and shows the server’s refusal under the logo', async () => {
    const calls = stub((c) =>
      c.method === 'PUT' ? problem(422, { title: 'Unprocessable', code: 'validation_failed', errors: [{ field: 'logo', code: 'logo_invalid', message: 'Not a PNG or JPEG image' }] }) : saved,
    );
    renderWith(<DocumentTemplatePage />);
    await screen.findByTestId('doc-template-logo-img');
    fireEvent.change(fileInput(), { target: { files: [new File([new Uint8Array(512 * 1024 + 1)], 'big.png', { type: 'image/png' })] } });
    expect((await screen.findByTestId('doc-template-logo-error')).textContent).toBe('The file is larger than 512 KB: choose a smaller image.');
    fireEvent.change(fileInput(), { target: { files: [new File(['GIF89a'], 'logo.gif', { type: 'image/gif' })] } });
    await waitFor(() => expect(screen.getByTestId('doc-template-logo-error').textContent).toBe('Choose a PNG or JPEG image.'));
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(0);

    fireEvent.change(fileInput(), { target: { files: [new File(['not really'], 'fake.png', { type: 'image/png' })] } });
    await waitFor(() => expect(screen.getByTestId('doc-template-logo-error').textContent).toBe('Not a PNG or JPEG image'));
    expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(1);
  });

  it('removes the logo after confirming, with logo: null', async () => {
    const calls = stub((c) => (c.method === 'PUT' ? { ...saved, has_logo: false, logo_media_type: null, logo_size: null } : saved));
    renderWith(<DocumentTemplatePage />);
    fireEvent.click(await screen.findByTestId('doc-template-logo-remove'));
    fireEvent.click(await screen.findByTestId('doc-template-logo-remove-confirm'));
    expect(await screen.findByText('No logo')).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')).toMatchObject({ url: '/api/v1/document-template', body: { logo: null } });
    expect(screen.queryByTestId('doc-template-logo-img')).toBeNull();
  });

  it('is in Setup for administrators only', async () => {
    const me = (isAdmin: boolean) => ({ user: { id: 'u1', name: '王芳', email: 'wang@example.com', is_admin: isAdmin }, tenant: { name: 'acme' } });
    stub((c) => (c.url === '/api/v1/me' ? me(false) : saved));
    const first = renderRoutes('/setup/document-template', { '/setup/*': <StaticMetadataProvider objects={[]}><SetupPage /></StaticMetadataProvider> });
    expect(await screen.findByText('You do not have access to this.')).toBeTruthy();
    expect(screen.queryByText('Document template')).toBeNull();
    first.unmount();
    vi.unstubAllGlobals();

    stub((c) => (c.url === '/api/v1/me' ? me(true) : saved));
    renderRoutes('/setup/document-template', { '/setup/*': <StaticMetadataProvider objects={[]}><SetupPage /></StaticMetadataProvider> });
    expect(await screen.findByTestId('doc-template-page', {}, { timeout: 5000 })).toBeTruthy();
    expect(screen.getByTestId('setup-menu').textContent).toContain('Document template');
  });
});

import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { json, problem, renderRoutes, SIGNED_OUT } from '../../test/session';
import PublicFormPage from './PublicFormPage';

const FORM = {
  key: 'k3y',
  name: '展会报名',
  company: 'Acme 科技',
  language: 'zh-CN',
  fields: [
    { field: 'name', type: 'text', required: true, labels: { 'zh-CN': '您的姓名', en: 'Your name' }, max_length: 100, options: null },
    { field: 'email', type: 'email', required: false, labels: { 'zh-CN': '邮箱', en: 'Email' }, max_length: null, options: null },
    {
      field: 'industry',
      type: 'picklist',
      required: false,
      labels: { 'zh-CN': '行业', en: 'Industry' },
      options: [{ value: 'it', labels: { 'zh-CN': '信息技术', en: 'IT' } }],
    },
  ],
  consent: { required: true, labels: { 'zh-CN': '我同意接收资讯', en: 'Send me news' } },
  honeypot: 'hp_url',
  token: 'tok-123',
  min_seconds: 3,
};
const URL = '/api/v1/public/forms/k3y';
const WAIT = { timeout: 10000 };

function stub(answer: (body: Record<string, unknown>) => Response, form: Response | object = FORM) {
  const sent: Record<string, unknown>[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      if (url === '/api/v1/me') return SIGNED_OUT();
      if (url === URL && (!init?.method || init.method === 'GET')) return form instanceof Response ? form : json(200, form);
      if (url === URL && init?.method === 'POST') {
        const body = JSON.parse(String(init.body)) as Record<string, unknown>;
        sent.push(body);
        return answer(body);
      }
      throw new Error('unexpected ' + url);
    }),
  );
  return sent;
}

const renderAt = (search = '') => renderRoutes(`/f/k3y${search}`, { '/f/:key': <PublicFormPage /> });

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('PublicFormPage', { timeout: 60000 }, () => {
  it('renders in the form language, checks required fields and consent, sends with token, honeypot and UTM, then thanks', async () => {
    const sent = stub(() => json(201, { ok: true, message: '感谢报名！' }));
    renderAt('?utm_source=baidu&utm_campaign=fair&other=x');
    expect(await screen.findByText('您的姓名', {}, WAIT)).toBeTruthy();
    expect(screen.getByText('Acme 科技')).toBeTruthy();
    fireEvent.click(screen.getByTestId('webform-submit'));
    expect(await screen.findByText('请填写您的姓名')).toBeTruthy();
    expect(screen.getByText('请勾选后再提交')).toBeTruthy();
    expect(sent).toHaveLength(0);
    fireEvent.change(screen.getByTestId('webform-name'), { target: { value: '  王芳 ' } });
    fireEvent.change(screen.getByTestId('webform-email'), { target: { value: 'not-an-email' } });
    fireEvent.click(screen.getByTestId('webform-consent'));
    fireEvent.click(screen.getByTestId('webform-submit'));
    expect(await screen.findByText('请输入有效的邮箱地址')).toBeTruthy();
    fireEvent.change(screen.getByTestId('webform-email'), { target: { value: 'wang@example.com' } });
    fireEvent.click(screen.getByTestId('webform-submit'));
    expect(await screen.findByText('感谢报名！', {}, WAIT)).toBeTruthy();
    expect(sent).toEqual([
      {
        utm_source: 'baidu',
        utm_campaign: 'fair',
        _token: 'tok-123',
        hp_url: '',
        language: 'zh-CN',
        name: '王芳',
        email: 'wang@example.com',
        consent: true,
      },
    ]);
  });

  it('switches to English and shows the server’s field errors', async () => {
    stub(() => problem(422, { code: 'invalid_request', errors: [{ field: 'name', code: 'too_long', message: 'Must be at most 100 characters.' }] }));
    renderAt();
    fireEvent.click(await screen.findByText('English', {}, WAIT));
    expect(await screen.findByText('Your name')).toBeTruthy();
    fireEvent.change(screen.getByTestId('webform-name'), { target: { value: 'Li' } });
    fireEvent.click(screen.getByTestId('webform-consent'));
    fireEvent.click(screen.getByTestId('webform-submit'));
    expect(await screen.findByText('Must be at most 100 characters.', {}, WAIT)).toBeTruthy();
  });

  it('goes to the redirect address after sending, and never to a javascript: one', async () => {
    const assign = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, assign, search: '' } as Location);
    let redirect = 'https://www.example.com/thanks';
    stub(() => json(200, { ok: true, redirect }));
    renderAt();
    fireEvent.change(await screen.findByTestId('webform-name', {}, WAIT), { target: { value: '张三' } });
    fireEvent.click(screen.getByTestId('webform-consent'));
    fireEvent.click(screen.getByTestId('webform-submit'));
    await waitFor(() => expect(assign).toHaveBeenCalledWith('https://www.example.com/thanks'));
    redirect = 'javascript:alert(1)';
    fireEvent.click(screen.getByTestId('webform-submit'));
    expect(await screen.findByTestId('webform-thanks', {}, WAIT)).toBeTruthy();
    expect(assign).toHaveBeenCalledTimes(1);
  });

  it('says when the form does not exist or is closed, and when sending too often', async () => {
    stub(() => json(201, {}), problem(404, { code: 'web_form_not_found' }));
    renderAt('?lang=en');
    expect(await screen.findByText('This form does not exist or no longer accepts submissions', {}, WAIT)).toBeTruthy();
    vi.unstubAllGlobals();
    stub(() => problem(429, { code: 'rate_limited' }));
    renderAt('?lang=en');
    fireEvent.change((await screen.findAllByTestId('webform-name', {}, WAIT))[0], { target: { value: 'Bo' } });
    fireEvent.click(screen.getAllByTestId('webform-consent')[0]);
    fireEvent.click(screen.getAllByTestId('webform-submit')[0]);
    expect(await screen.findByText('Too many submissions: please wait a minute and try again', {}, WAIT)).toBeTruthy();
  });
});

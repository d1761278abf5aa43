import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { stubApi, type Sent } from '../../test/fetch';
import { renderWith } from '../../test/render';
import EmailTemplateEditor from './EmailTemplateEditor';

beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const TEMPLATE = {
  id: 't1',
  version: 3,
  name: '发布会',
  language: 'zh-CN',
  subject: '新品发布',
  body_html: '<p>旧</p>',
  blocks: [{ type: 'text', text: '您好' }],
};

function answer(s: Sent): unknown {
  if (s.url === '/api/v1/marketing/email/preview') {
    const subject = String(s.body.subject ?? '').replace('{{ recipient.name }}', '张伟');
    return { subject, html: '<p>预览 <script>alert(1)</script></p>', text: '预览' };
  }
  if (s.method === 'PATCH') return { ...TEMPLATE, ...s.body, version: 4 };
  return {};
}

async function settle() {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(500);
  });
}

describe('EmailTemplateEditor', () => {
  it('previews in a sandboxed iframe and inserts a merge field where the cursor was', async () => {
    const sent = stubApi(answer);
    renderWith(<EmailTemplateEditor record={TEMPLATE} onSaved={() => {}} />);
    await settle();
    const frame = await screen.findByTestId('email-preview');
    expect(frame.getAttribute('sandbox')).toBe('');
    await waitFor(() => expect(frame.getAttribute('srcdoc')).toContain('预览'));
    expect(sent.at(-1)?.body).toEqual({ subject: '新品发布', blocks: [{ type: 'text', text: '您好' }], language: 'zh-CN' });

    fireEvent.focus(screen.getByTestId('email-subject').querySelector('input') ?? screen.getByTestId('email-subject'));
    const picker = screen.getByTestId('email-merge-field').querySelector('input') as HTMLInputElement;
    fireEvent.mouseDown(picker);
    fireEvent.click(await screen.findByText('Recipient’s name · recipient.name'));
    await settle();
    expect(await screen.findByTestId('email-preview-subject')).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId('email-preview-subject').textContent).toBe('新品发布张伟'));
  });

  it('saves the blocks alone in block mode, and the HTML without blocks in HTML mode', async () => {
    const sent = stubApi(answer);
    const saved = vi.fn();
    renderWith(<EmailTemplateEditor record={TEMPLATE} onSaved={saved} />);
    fireEvent.change(screen.getByTestId('email-block-0-text'), { target: { value: '您好，欢迎' } });
    fireEvent.click(screen.getByTestId('email-save'));
    await waitFor(() => expect(saved).toHaveBeenCalled());
    const patch = sent.find((s) => s.method === 'PATCH');
    expect(patch?.url).toBe('/api/v1/records/email_template/t1');
    expect(patch?.body).toEqual({ subject: '新品发布', blocks: [{ type: 'text', text: '您好，欢迎' }] });

    fireEvent.click(screen.getByText('HTML'));
    fireEvent.change(screen.getByTestId('email-html'), { target: { value: '<p>{{ recipient.name }}</p>' } });
    fireEvent.click(screen.getByTestId('email-save'));
    await waitFor(() => expect(sent.filter((s) => s.method === 'PATCH')).toHaveLength(2));
    expect(sent.filter((s) => s.method === 'PATCH')[1].body).toEqual({ subject: '新品发布', body_html: '<p>{{ recipient.name }}</p>', blocks: null });
  });

  it('shows the server’s refusal of a template', async () => {
    stubApi(
      (s) =>
        s.url.endsWith('/preview')
          ? { title: 'Invalid', status: 422, code: 'invalid_request', errors: [{ field: 'subject', code: 'template_not_allowed', message: '邮件模板中不允许使用：__class__。' }] }
          : {},
      (s) => (s.url.endsWith('/preview') ? 422 : 200),
    );
    renderWith(<EmailTemplateEditor record={{ ...TEMPLATE, subject: "{{ ''.__class__ }}" }} onSaved={() => {}} />, { lang: 'zh-CN' });
    await settle();
    expect((await screen.findByTestId('email-problem')).textContent).toContain('subject: 邮件模板中不允许使用');
  });
});

import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ObjectMeta } from '../../api/types';
import { field } from '../../test/fixtures';
import { renderWith } from '../../test/render';
import { highlight, subtree } from './api';
import { ArticleReader } from './ArticleReader';
import KnowledgePage from './KnowledgePage';
import { RichTextEditor, runCommand, safeLink } from './RichTextEditor';
import { SuggestedArticles } from './SuggestedArticles';

const article: ObjectMeta = {
  name: 'knowledge_article',
  labels: { en: 'Knowledge article', 'zh-CN': '知识文章' },
  name_field: 'title',
  package: 'service',
  permissions: { read: true, create: true, edit: true, delete: true },
  fields: [field('title', 'text'), field('body', 'long_text'), field('status', 'picklist')],
};

interface Call {
  url: string;
  method: string;
  body: Record<string, unknown>;
}

function stub(routes: (call: Call) => unknown) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit = {}) => {
      const call = { url, method: init.method ?? 'GET', body: init.body ? JSON.parse(String(init.body)) : {} };
      calls.push(call);
      const answer = routes(call);
      const [status, body] = Array.isArray(answer) ? (answer as [number, unknown]) : [200, answer];
      return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    }),
  );
  return calls;
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('highlight and categories', () => {
  it('marks the query terms, CJK bigrams overlapping, case-insensitive', () => {
    expect(highlight('打印机连接故障排查', ['打印', '印机', '连接'])).toEqual([
      { text: '打印机连接', hit: true },
      { text: '故障排查', hit: false },
    ]);
    expect(highlight('Reset the Printer', ['print'])).toEqual([
      { text: 'Reset the ', hit: false },
      { text: 'Print', hit: true },
      { text: 'er', hit: false },
    ]);
    expect(highlight('', ['x'])).toEqual([]);
  });
  it('takes a category with everything below it, even with a loop in the data', () => {
    const cats = [
      { id: 'hw', name: '硬件', parent: null, sort_order: 0 },
      { id: 'pr', name: '打印机', parent: 'hw', sort_order: 0 },
      { id: 'ink', name: '墨盒', parent: 'pr', sort_order: 0 },
      { id: 'sw', name: '软件', parent: null, sort_order: 0 },
    ];
    expect(subtree(cats, 'hw').sort()).toEqual(['hw', 'ink', 'pr']);
    expect(subtree([...cats, { id: 'hw', name: 'loop', parent: 'ink', sort_order: 0 }], 'hw').sort()).toEqual(['hw', 'ink', 'pr']);
  });
});

describe('RichTextEditor', () => {
  it('reports what is typed and runs toolbar commands on the selection', () => {
    const onChange = vi.fn();
    const exec = vi.fn(() => true);
    document.execCommand = exec as unknown as typeof document.execCommand;
    renderWith(<RichTextEditor value="<p>旧内容</p>" label="正文" onChange={onChange} />);
    const area = screen.getByRole('textbox', { name: '正文' });
    expect(area.innerHTML).toBe('<p>旧内容</p>');
    area.innerHTML = '<p>新内容</p>';
    fireEvent.input(area);
    expect(onChange).toHaveBeenLastCalledWith('<p>新内容</p>');
    fireEvent.click(screen.getByRole('button', { name: 'Bold' }));
    expect(exec).toHaveBeenCalledWith('bold', false, undefined);
    fireEvent.click(screen.getByRole('button', { name: 'Numbered list' }));
    expect(exec).toHaveBeenCalledWith('insertOrderedList', false, undefined);
  });
  it('offers only web and mail links', () => {
    const exec = vi.fn(() => true);
    document.execCommand = exec as unknown as typeof document.execCommand;
    vi.spyOn(window, 'prompt').mockReturnValueOnce('javascript:alert(1)').mockReturnValueOnce('https://example.com/a');
    renderWith(<RichTextEditor value="" label="正文" onChange={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Link' }));
    expect(exec).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Link' }));
    expect(exec).toHaveBeenCalledWith('createLink', false, 'https://example.com/a');
    expect(safeLink(' mailto:a@b.cn ')).toBe('mailto:a@b.cn');
    expect(safeLink('data:text/html,x')).toBeNull();
  });
  it('pastes plain text only', () => {
    const onChange = vi.fn();
    Object.defineProperty(document, 'execCommand', { value: undefined, configurable: true, writable: true });
    expect(runCommand('bold')).toBe(false);
    renderWith(<RichTextEditor value="" label="正文" onChange={onChange} />);
    const area = screen.getByRole('textbox', { name: '正文' });
    fireEvent.paste(area, { clipboardData: { getData: (kind: string) => (kind === 'text/plain' ? '<b>粗</b>' : '<b>粗</b>') } });
    expect(area.innerHTML).toBe('&lt;b&gt;粗&lt;/b&gt;');
    expect(onChange).toHaveBeenLastCalledWith('&lt;b&gt;粗&lt;/b&gt;');
  });
});

describe('ArticleReader', () => {
  it('shows number, status, version and the body, with query terms marked in the title', () => {
    renderWith(
      <ArticleReader
        article={{ id: 'a1', title: '打印机连接故障排查', article_no: 'KB-000001', status: 'published', version_number: 2, visibility: 'public', body: '<h3>步骤</h3><p>检查网线</p>' }}
        terms={['打印']}
      />,
      { lang: 'zh-CN' },
    );
    expect(screen.getByText('KB-000001')).toBeTruthy();
    expect(screen.getByText('已发布')).toBeTruthy();
    expect(screen.getByText('第 2 版')).toBeTruthy();
    expect(screen.getByText('公开')).toBeTruthy();
    expect(screen.getByTestId('article-views').textContent).toBe('浏览 0 次');
    expect(screen.getByText('打印').tagName).toBe('MARK');
    expect(screen.getByTestId('article-body').innerHTML).toBe('<h3>步骤</h3><p>检查网线</p>');
  });
});

describe('SuggestedArticles', () => {
  it('lists suggestions and attaches one with a click', async () => {
    let attached = false;
    const calls = stub((call) => {
      if (call.url === '/api/v1/service/cases/c1/suggested_articles')
        return attached
          ? { results: [], terms: ['打印'] }
          : { results: [{ id: 'a1', title: '打印机连接故障排查', snippet: '检查网线', score: 9 }], terms: ['打印'] };
      if (call.url === '/api/v1/records/case_article/query')
        return { records: attached ? [{ id: 'l1', case: 'c1', article: 'a1', title: '打印机连接故障排查', attached_at: '2026-12-07T05:00:00Z' }] : [], next_cursor: null };
      if (call.url === '/api/v1/records/case_article' && call.method === 'POST') {
        attached = true;
        return [201, { id: 'l1', ...call.body }];
      }
      return [404, {}];
    });
    renderWith(<SuggestedArticles caseId="c1" />);
    const panel = await screen.findByTestId('suggested-articles');
    await within(panel).findByText('检查网线');
    fireEvent.click(within(panel).getByRole('button', { name: /Attach/ }));
    await within(panel).findByText('Attached articles');
    expect(calls.find((c) => c.method === 'POST' && c.url === '/api/v1/records/case_article')?.body).toEqual({ case: 'c1', article: 'a1' });
    expect(within(panel).getByText('No published article matches this case yet.')).toBeTruthy();
  });
});

describe('KnowledgePage', () => {
  it('searches published articles, reads one and publishes a new version', async () => {
    const calls = stub((call) => {
      if (call.url === '/api/v1/records/knowledge_category/query') return { records: [{ id: 'hw', name: '硬件', parent: null }], next_cursor: null };
      if (call.url.startsWith('/api/v1/service/knowledge/search'))
        return { results: [{ id: 'a1', title: '打印机连接故障排查', snippet: '检查网线', status: 'published', version_number: 1, score: 9 }], terms: ['打印'] };
      if (call.url === '/api/v1/records/knowledge_article/a1')
        return { id: 'a1', version: 2, title: '打印机连接故障排查', article_no: 'KB-000001', status: 'published', version_number: 1, body: '<p>检查网线</p>' };
      if (call.url === '/api/v1/records/knowledge_article/query') return { records: [{ id: 'a1', title: '打印机连接故障排查', status: 'published', version_number: 1 }], next_cursor: null };
      if (call.url === '/api/v1/records/knowledge_article/a1/new_version') return { article_id: 'a2' };
      if (call.url === '/api/v1/records/knowledge_article/a1/feedback') return { helpful_count: 1, not_helpful_count: 0 };
      if (call.url === '/api/v1/records/knowledge_article/a1/view') return { view_count: 8 };
      if (call.url === '/api/v1/records/knowledge_article/a2')
        return { id: 'a2', version: 1, title: '打印机连接故障排查', article_no: 'KB-000001', status: 'draft', version_number: 2, body: '<p>检查网线</p>' };
      return [404, {}];
    });
    renderWith(<KnowledgePage />, { objects: [article], path: '/service/knowledge' });
    const list = await screen.findByTestId('article-list');
    const search = screen.getByRole('searchbox', { name: 'Search published articles' });
    fireEvent.change(search, { target: { value: '打印机' } });
    fireEvent.keyDown(search, { key: 'Enter', code: 'Enter', keyCode: 13 });
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/service/knowledge/search?q=%E6%89%93%E5%8D%B0%E6%9C%BA')).toBe(true));
    fireEvent.click(await within(list).findByText('检查网线'));
    const reader = await screen.findByTestId('article-reader');
    expect(await within(reader).findByText('KB-000001')).toBeTruthy();
    // Opening a published article counts a view, once, and shows the count.
    expect(await within(reader).findByText('Views 8')).toBeTruthy();
    expect(calls.filter((c) => c.url === '/api/v1/records/knowledge_article/a1/view' && c.method === 'POST')).toHaveLength(1);
    fireEvent.click(within(reader).getByRole('button', { name: 'Yes (0)' }));
    expect(await within(reader).findByRole('button', { name: 'Yes (1)' })).toBeTruthy();
    expect(calls.find((c) => c.url.endsWith('/a1/feedback'))?.body).toEqual({ helpful: true });
    fireEvent.click(within(reader).getByRole('button', { name: 'New version' }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/records/knowledge_article/a1/new_version' && c.method === 'POST')).toBe(true));
    await waitFor(() => expect(within(screen.getByTestId('article-reader')).getByText('Draft')).toBeTruthy());
    expect(within(screen.getByTestId('article-reader')).getByRole('button', { name: 'Publish' })).toBeTruthy();
    // A draft is not counted.
    expect(calls.some((c) => c.url === '/api/v1/records/knowledge_article/a2/view')).toBe(false);
  });
});

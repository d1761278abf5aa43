import { fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { problem } from '../test/session';
import { renderPortal, stubPortal, WAIT } from '../test/portal';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const article = (n: number, category: { id: string; name: string } | null = null) => ({
  id: `kb-${n}`,
  title: `Article ${n}`,
  summary: `Summary ${n}`,
  category,
  updated_at: '2026-12-01T02:00:00Z',
});
const CATEGORIES = [
  { id: 'cat-print', name: '打印机', parent: null },
  { id: 'cat-bill', name: 'Billing', parent: null },
];
const asked = (sent: { path: string; query: URLSearchParams }[]) => sent.filter((s) => s.path === '/articles').map((s) => Object.fromEntries(s.query));

describe('Portal help', { timeout: 60000 }, () => {
  it('lists articles, searches them, narrows by topic and pages on', async () => {
    const sent = stubPortal((s) => {
      if (s.path === '/categories') return { records: CATEGORIES };
      if (s.path === '/articles')
        return s.query.get('cursor') ? { records: [article(3)], next_cursor: null } : { records: [article(1, CATEGORIES[0]), article(2)], next_cursor: 'n2' };
      return undefined;
    });
    renderPortal('/portal/acme/help');
    expect(await screen.findAllByTestId('portal-article', {}, WAIT)).toHaveLength(2);
    expect(screen.getAllByTestId('portal-article')[0].getAttribute('href')).toBe('/portal/acme/help/kb-1');
    fireEvent.click(screen.getByTestId('portal-articles-more'));
    await waitFor(() => expect(screen.getAllByTestId('portal-article')).toHaveLength(3));
    expect(asked(sent).at(-1)).toEqual({ cursor: 'n2' });

    fireEvent.change(screen.getByTestId('portal-help-search'), { target: { value: '卡纸' } });
    fireEvent.keyDown(screen.getByTestId('portal-help-search'), { key: 'Enter', code: 'Enter', keyCode: 13 });
    await waitFor(() => expect(asked(sent).at(-1)).toEqual({ q: '卡纸' }));
    fireEvent.click(await screen.findByTestId('portal-category-cat-print'));
    await waitFor(() => expect(asked(sent).at(-1)).toEqual({ q: '卡纸', category: 'cat-print' }));
    fireEvent.click(screen.getByText('All topics'));
    await waitFor(() => expect(asked(sent).at(-1)).toEqual({ q: '卡纸' }));
  });

  it('opens an article and renders its sanitised body', async () => {
    stubPortal((s) => {
      if (s.path === '/categories') return { records: [] };
      if (s.path === '/articles') return { records: [article(1)], next_cursor: null };
      if (s.path === '/articles/kb-1') return { ...article(1, CATEGORIES[0]), body_html: '<h2>Clear the jam</h2><ol><li>Open the rear door</li></ol>' };
      return undefined;
    });
    renderPortal('/portal/acme/help');
    fireEvent.click(await screen.findByText('Article 1', {}, WAIT));
    const body = await screen.findByTestId('portal-article-body', {}, WAIT);
    expect(body.querySelector('h2')?.textContent).toBe('Clear the jam');
    expect(body.querySelectorAll('li')).toHaveLength(1);
    expect(screen.getByText('打印机')).toBeTruthy();
    expect(screen.getByTestId('location').textContent).toBe('/portal/acme/help/kb-1');
  });

  it('says an article it may not read is not found', async () => {
    stubPortal((s) => (s.path === '/articles/internal' ? problem(404, { code: 'not_found', title: 'Not found' }) : undefined));
    renderPortal('/portal/acme/help/internal');
    expect(await screen.findByText('Article not found', {}, WAIT)).toBeTruthy();
  });
});

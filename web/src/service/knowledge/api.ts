/**
 * The knowledge base endpoints: searching published articles, suggestions for a case, and the
 * records (articles, versions, categories, case links) through the generic records API.
 */
import { api } from '../../api/endpoints';
import { qs, request } from '../../api/client';
import type { components, paths } from '../../api/schema.gen';
import type { RecordData } from '../../api/types';

/** Compiles only while the server declares these routes (schema.gen.ts, `make api-types`). */
export type DeclaredRoutes = [
  paths['/api/v1/service/knowledge/search']['get'],
  paths['/api/v1/service/cases/{case_id}/suggested_articles']['get'],
  paths['/api/v1/records/knowledge_article/{record_id}/publish']['post'],
  paths['/api/v1/records/knowledge_article/{record_id}/new_version']['post'],
  paths['/api/v1/records/knowledge_article/{record_id}/archive']['post'],
  paths['/api/v1/records/knowledge_article/{record_id}/republish']['post'],
  paths['/api/v1/records/knowledge_article/{record_id}/feedback']['post'],
  paths['/api/v1/records/knowledge_article/{record_id}/view']['post'],
];

export type ArticleHit = components['schemas']['ArticleHit'];
export type ArticleResults = components['schemas']['ArticleResults'];
export type ArticleStatus = 'draft' | 'published' | 'archived';
export type ArticleAction = 'publish' | 'new_version' | 'archive' | 'republish';

export const ARTICLE = 'knowledge_article';
export const CATEGORY = 'knowledge_category';
export const CASE_ARTICLE = 'case_article';

const enc = encodeURIComponent;

export interface Category {
  id: string;
  name: string;
  parent: string | null;
  sort_order: number | null;
}

export const knowledgeApi = {
  search(params: { q?: string; category?: string | null; visibility?: string | null; limit?: number }, signal?: AbortSignal) {
    return request<ArticleResults>(`/api/v1/service/knowledge/search${qs(params)}`, { signal });
  },
  suggestions(caseId: string, signal?: AbortSignal) {
    return request<ArticleResults>(`/api/v1/service/cases/${enc(caseId)}/suggested_articles`, { signal });
  },
  /** Articles of one status (drafts, archived versions): what search does not find. */
  byStatus(status: ArticleStatus, category: string[] | null, signal?: AbortSignal) {
    const filters: unknown[] = [{ field: 'status', op: 'eq', value: status }];
    if (category) filters.push({ field: 'category', op: 'in', value: category });
    return api.query(
      ARTICLE,
      { filter: { and: filters }, sort: [{ field: 'updated_at', direction: 'desc' }], limit: 100 } as never,
      signal,
    );
  },
  /** Every version of an article (same number), newest first. */
  versions(articleNo: string, signal?: AbortSignal) {
    return api.query(
      ARTICLE,
      {
        filter: { field: 'article_no', op: 'eq', value: articleNo },
        sort: [{ field: 'version_number', direction: 'desc' }],
        fields: ['title', 'status', 'version_number', 'published_at', 'change_note'],
        limit: 200,
      },
      signal,
    );
  },
  categories(signal?: AbortSignal) {
    return api.query(CATEGORY, { sort: [{ field: 'sort_order', direction: 'asc' }], limit: 500 }, signal) as Promise<{
      records: (RecordData & Category)[];
      next_cursor: string | null;
    }>;
  },
  run(id: string, action: ArticleAction) {
    return request<{ status?: string; article_id?: string }>(`/api/v1/records/${ARTICLE}/${enc(id)}/${action}`, { method: 'POST' });
  },
  feedback(id: string, helpful: boolean) {
    return request<{ helpful_count: number; not_helpful_count: number }>(`/api/v1/records/${ARTICLE}/${enc(id)}/feedback`, {
      method: 'POST',
      body: { helpful },
    });
  },
  /** Count this reader's view of a published article; the count now. */
  view(id: string) {
    return request<{ view_count: number }>(`/api/v1/records/${ARTICLE}/${enc(id)}/view`, { method: 'POST' });
  },
  attached(caseId: string, signal?: AbortSignal) {
    return api.query(CASE_ARTICLE, { filter: { field: 'case', op: 'eq', value: caseId }, limit: 100 }, signal);
  },
  attach(caseId: string, articleId: string) {
    return api.create(CASE_ARTICLE, { case: caseId, article: articleId });
  },
  detach(linkId: string) {
    return api.remove(CASE_ARTICLE, linkId);
  },
};

/** The ids of a category and of every category below it. */
export function subtree(categories: Category[], id: string): string[] {
  const children = new Map<string, string[]>();
  for (const c of categories) if (c.parent) children.set(c.parent, [...(children.get(c.parent) ?? []), c.id]);
  const found: string[] = [];
  const todo = [id];
  while (todo.length) {
    const next = todo.pop() as string;
    if (found.includes(next)) continue;
    found.push(next);
    todo.push(...(children.get(next) ?? []));
  }
  return found;
}

/**
 * Split a text into plain and highlighted pieces where a query term occurs (terms as the
 * server matched them: CJK bigrams, word prefixes; case-insensitive).
 */
export function highlight(text: string, terms: string[]): { text: string; hit: boolean }[] {
  const wanted = terms.filter((t) => t.length > 0).map((t) => t.toLowerCase());
  if (!text || wanted.length === 0) return text ? [{ text, hit: false }] : [];
  const lower = text.toLowerCase();
  const marks = new Array<boolean>(text.length).fill(false);
  for (const term of wanted) {
    for (let at = lower.indexOf(term); at !== -1; at = lower.indexOf(term, at + 1)) {
      for (let i = at; i < at + term.length; i += 1) marks[i] = true;
    }
  }
  const pieces: { text: string; hit: boolean }[] = [];
  for (let i = 0; i < text.length; i += 1) {
    const last = pieces[pieces.length - 1];
    if (last && last.hit === marks[i]) last.text += text[i];
    else pieces.push({ text: text[i], hit: marks[i] });
  }
  return pieces;
}

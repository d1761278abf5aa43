/**
 * /portal/:tenant/help — the public, published articles: a search box (Keyi's CJK search on
 * the server), topics to narrow by, more on demand. Search and topic are kept in the URL.
 */
import { Alert, Button, Empty, Input, Skeleton, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useI18n } from '../../i18n';
import { usePortal } from '../session';
import { formatWhen, portalErrorText } from '../text';
import type { ArticleSummary, Category } from '../types';

export default function HelpPage() {
  const { t, lang } = useI18n();
  const { api, tenant, me } = usePortal();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const category = params.get('category') ?? '';
  const [search, setSearch] = useState(q);
  const [categories, setCategories] = useState<Category[]>([]);
  const [articles, setArticles] = useState<ArticleSummary[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);
  const base = `/portal/${encodeURIComponent(tenant)}/help`;

  const change = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  useEffect(() => {
    const ctrl = new AbortController();
    api.categories(ctrl.signal).then(
      (answer) => setCategories(answer.records),
      () => undefined, // topics are a convenience: the articles still show without them
    );
    return () => ctrl.abort();
  }, [api, me?.locale]);

  useEffect(() => {
    const ctrl = new AbortController();
    setArticles(null);
    setError(null);
    api.articles({ q: q || undefined, category: category || undefined }, ctrl.signal).then(
      (page) => {
        setArticles(page.records);
        setCursor(page.next_cursor);
      },
      (e: unknown) => {
        if (!ctrl.signal.aborted) setError(portalErrorText(e, t));
      },
    );
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- t changes with the language only
  }, [api, q, category, me?.locale]);

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api.articles({ q: q || undefined, category: category || undefined, cursor });
      setArticles((prev) => [...(prev ?? []), ...page.records]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(portalErrorText(e, t));
    } finally {
      setMore(false);
    }
  };

  return (
    <div data-testid="portal-help">
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {t('portal.help.title')}
      </Typography.Title>
      <Input.Search
        allowClear
        size="large"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onSearch={(v) => change('q', v.trim())}
        placeholder={t('portal.help.search')}
        aria-label={t('portal.help.search')}
        className="ky-mb"
        data-testid="portal-help-search"
      />
      {categories.length > 0 && (
        <div className="ky-mb" style={{ display: 'flex', flexWrap: 'wrap', gap: 6 }} data-testid="portal-categories">
          <Tag.CheckableTag checked={!category} onChange={() => change('category', '')}>
            {t('portal.help.allCategories')}
          </Tag.CheckableTag>
          {categories.map((c) => (
            <Tag.CheckableTag key={c.id} checked={category === c.id} onChange={() => change('category', category === c.id ? '' : c.id)} data-testid={`portal-category-${c.id}`}>
              {c.name}
            </Tag.CheckableTag>
          ))}
        </div>
      )}
      {error && <Alert type="error" showIcon className="ky-mb" message={error} />}
      {articles === null ? (
        error ? null : <Skeleton active />
      ) : articles.length === 0 ? (
        <Empty description={q ? t('portal.help.noResults', { q }) : t('portal.help.empty')} />
      ) : (
        <>
          {articles.map((a) => (
            <Link key={a.id} to={`${base}/${encodeURIComponent(a.id)}`} className="kp-row" data-testid="portal-article">
              <div className="kp-row-subject">{a.title}</div>
              {a.summary && <Typography.Paragraph type="secondary" ellipsis={{ rows: 2 }} style={{ marginBottom: 4 }}>{a.summary}</Typography.Paragraph>}
              <div className="kp-row-top" style={{ justifyContent: 'flex-start' }}>
                {a.category && <Tag>{a.category.name}</Tag>}
                <span>{t('portal.help.updated', { at: formatWhen(a.updated_at, lang) })}</span>
              </div>
            </Link>
          ))}
          {cursor && (
            <Button block onClick={() => void loadMore()} loading={more} data-testid="portal-articles-more">
              {t('portal.loadMore')}
            </Button>
          )}
        </>
      )}
    </div>
  );
}

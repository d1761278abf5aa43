/**
 * /portal/:tenant/help/:id — one public article. Its `body_html` is the server's sanitised
 * rich text (the API sanitises on save and answers only public, published articles).
 */
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Result, Skeleton, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useI18n } from '../../i18n';
import { usePortal } from '../session';
import { formatWhen, portalErrorText } from '../text';
import type { Article } from '../types';

export default function ArticlePage() {
  const { id = '' } = useParams();
  const { t, lang } = useI18n();
  const { api, tenant, me } = usePortal();
  const [article, setArticle] = useState<Article | null>(null);
  const [error, setError] = useState<unknown>(null);
  const base = `/portal/${encodeURIComponent(tenant)}`;

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api.article(id, ctrl.signal).then(setArticle, (e: unknown) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [api, id, me?.locale]);

  const back = (
    <Link to={`${base}/help`} style={{ display: 'inline-block', marginBottom: 8 }}>
      <ArrowLeftOutlined /> {t('portal.help.toList')}
    </Link>
  );
  if (error) {
    const missing = error instanceof ApiError && error.status === 404;
    return <Result status={missing ? '404' : 'warning'} title={missing ? t('portal.help.notFound') : portalErrorText(error, t)} extra={back} />;
  }
  if (!article) return <Skeleton active />;
  return (
    <article data-testid="portal-article-page">
      {back}
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {article.title}
      </Typography.Title>
      <div style={{ marginBottom: 12 }}>
        {article.category && <Tag>{article.category.name}</Tag>}
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t('portal.help.updated', { at: formatWhen(article.updated_at, lang) })}
        </Typography.Text>
      </div>
      <div className="kp-html" data-testid="portal-article-body" dangerouslySetInnerHTML={{ __html: article.body_html }} />
      <div style={{ marginTop: 32 }}>
        <Typography.Text type="secondary">{t('portal.help.stillNeed')} </Typography.Text>
        <Link to={`${base}/cases/new`}>
          <Button type="link">{t('portal.cases.new')}</Button>
        </Link>
      </div>
    </article>
  );
}

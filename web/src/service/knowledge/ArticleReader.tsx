/**
 * One version of an article as a reader sees it: title (query terms marked), number, status,
 * version, visibility, views (published versions) and the body. The body is the server's sanitised HTML (scripts, event
 * handlers and unsafe links are removed on every save), shown as it is.
 */
import { Space, Tag, Typography } from 'antd';
import '../../i18n/service-knowledge';
import { useI18n } from '../../i18n';
import type { RecordData } from '../../api/types';
import { highlight } from './api';
import './knowledge.css';

const STATUS_COLOR: Record<string, string> = { draft: 'default', published: 'green', archived: 'gold' };

export function Marked({ text, terms }: { text: string; terms: string[] }) {
  return (
    <>
      {highlight(text, terms).map((piece, i) =>
        piece.hit ? (
          <mark key={i} className="ky-kb-mark">
            {piece.text}
          </mark>
        ) : (
          <span key={i}>{piece.text}</span>
        ),
      )}
    </>
  );
}

export function ArticleReader({ article, terms = [] }: { article: RecordData; terms?: string[] }) {
  const { t } = useI18n();
  const status = String(article.status ?? 'draft');
  const visibility = String(article.visibility ?? 'internal');
  return (
    <article aria-label={String(article.title ?? '')}>
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        <Marked text={String(article.title ?? '')} terms={terms} />
      </Typography.Title>
      <Space wrap size={4} style={{ marginBottom: 12 }}>
        {article.article_no ? <Tag>{String(article.article_no)}</Tag> : null}
        <Tag color={STATUS_COLOR[status]}>{t(`knowledge.status.${status}` as 'knowledge.status.draft')}</Tag>
        <Tag>{t('knowledge.version', { n: Number(article.version_number ?? 1) })}</Tag>
        <Tag color={visibility === 'public' ? 'blue' : undefined}>{t(`knowledge.visibility.${visibility}` as 'knowledge.visibility.internal')}</Tag>
        {status === 'published' ? <Tag data-testid="article-views">{t('knowledge.views', { n: Number(article.view_count ?? 0) })}</Tag> : null}
      </Space>
      {article.summary ? <Typography.Paragraph type="secondary">{String(article.summary)}</Typography.Paragraph> : null}
      <div className="ky-article-body" data-testid="article-body" dangerouslySetInnerHTML={{ __html: String(article.body ?? '') }} />
    </article>
  );
}

export default ArticleReader;

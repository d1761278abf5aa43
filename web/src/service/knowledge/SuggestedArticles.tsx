/**
 * The "Suggested articles" panel of a case: published articles matching its subject (attach
 * with one click) and the articles attached already (detach). Exported for the case screens;
 * the generic record page mounts it for `case`.
 */
import { LinkOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, List, Space, Tag, Typography } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import '../../i18n/service-knowledge';
import { errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import type { RecordData } from '../../api/types';
import { knowledgeApi, type ArticleHit } from './api';
import { Marked } from './ArticleReader';
import './knowledge.css';

export function SuggestedArticles({ caseId, onChanged }: { caseId: string; onChanged?: () => void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const [hits, setHits] = useState<ArticleHit[]>([]);
  const [terms, setTerms] = useState<string[]>([]);
  const [links, setLinks] = useState<RecordData[]>([]);
  const [loading, setLoading] = useState(true);
  const [busy, setBusy] = useState<string | null>(null);

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const [suggested, attached] = await Promise.all([knowledgeApi.suggestions(caseId, signal), knowledgeApi.attached(caseId, signal)]);
      setHits(suggested.results);
      setTerms(suggested.terms);
      setLinks(attached.records);
      setLoading(false);
    },
    [caseId],
  );
  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal).catch(() => setLoading(false));
    return () => ctrl.abort();
  }, [load]);

  const change = async (key: string, work: () => Promise<unknown>, done?: string) => {
    setBusy(key);
    try {
      await work();
      if (done) void message.success(done);
      await load();
      onChanged?.();
    } catch (err) {
      void message.error(errorMessage(err, t));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Card size="small" title={t('knowledge.suggested')} loading={loading} data-testid="suggested-articles">
      {hits.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('knowledge.suggested.none')} />
      ) : (
        <List
          size="small"
          dataSource={hits}
          renderItem={(hit) => (
            <List.Item
              actions={[
                <Button
                  key="attach"
                  size="small"
                  icon={<LinkOutlined />}
                  loading={busy === hit.id}
                  onClick={() => void change(hit.id, () => knowledgeApi.attach(caseId, hit.id), t('knowledge.attachedDone'))}
                >
                  {t('knowledge.attach')}
                </Button>,
              ]}
            >
              <List.Item.Meta
                title={
                  <Link to={`/service/knowledge?article=${encodeURIComponent(hit.id)}`}>
                    <Marked text={hit.title ?? ''} terms={terms} />
                  </Link>
                }
                description={hit.snippet ? <Typography.Text type="secondary" ellipsis>{hit.snippet}</Typography.Text> : null}
              />
            </List.Item>
          )}
        />
      )}
      {links.length > 0 && (
        <>
          <Typography.Text strong>{t('knowledge.attached')}</Typography.Text>
          <List
            size="small"
            dataSource={links}
            renderItem={(link) => (
              <List.Item
                actions={[
                  <Button key="detach" size="small" type="link" loading={busy === link.id} onClick={() => void change(link.id, () => knowledgeApi.detach(link.id))}>
                    {t('knowledge.detach')}
                  </Button>,
                ]}
              >
                <Space>
                  <Link to={`/service/knowledge?article=${encodeURIComponent(String(link.article))}`}>{String(link.title ?? '')}</Link>
                  {link.attached_at ? <Tag>{String(link.attached_at).slice(0, 10)}</Tag> : null}
                </Space>
              </List.Item>
            )}
          />
        </>
      )}
    </Card>
  );
}

export default SuggestedArticles;

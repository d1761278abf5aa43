/**
 * Knowledge base (知识库, /service/knowledge): categories, search over published articles,
 * drafts and archived versions, the article reader, the editor (a draft is edited in place; a
 * published version is changed through a new version) and each article's versions.
 */
import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Form, Input, List, Select, Skeleton, Space, Tabs, Tag, Tree, Typography } from 'antd';
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import '../../i18n/service-knowledge';
import { api } from '../../api/endpoints';
import type { RecordData } from '../../api/types';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { ARTICLE, knowledgeApi, subtree, type ArticleAction, type ArticleStatus, type Category } from './api';
import { ArticleReader, Marked } from './ArticleReader';
import './knowledge.css';

/** The editor comes with its first use, not with the page. */
const RichTextEditor = lazy(() => import('./RichTextEditor'));

type Tab = ArticleStatus;
interface Row {
  id: string;
  title: string;
  snippet?: string;
  status?: string;
  version_number?: number | null;
}
interface Draft {
  title: string;
  summary: string;
  body: string;
  visibility: string;
  category: string | null;
  keywords: string;
  change_note: string;
}

const EMPTY: Draft = { title: '', summary: '', body: '', visibility: 'internal', category: null, keywords: '', change_note: '' };

function draftOf(r: RecordData): Draft {
  const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  return {
    title: s(r.title),
    summary: s(r.summary),
    body: s(r.body),
    visibility: s(r.visibility) || 'internal',
    category: (r.category as string | null) ?? null,
    keywords: s(r.keywords),
    change_note: s(r.change_note),
  };
}

function treeOf(categories: Category[], parent: string | null = null): { key: string; title: string; children: unknown[] }[] {
  return categories
    .filter((c) => (c.parent ?? null) === parent)
    .map((c) => ({ key: c.id, title: c.name, children: treeOf(categories, c.id) }));
}

export default function KnowledgePage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const canEdit = getObject(ARTICLE)?.permissions?.edit !== false;
  const canCreate = getObject(ARTICLE)?.permissions?.create !== false;
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('article');
  const [categories, setCategories] = useState<Category[]>([]);
  const [category, setCategory] = useState<string | null>(null);
  const [tab, setTab] = useState<Tab>('published');
  const [q, setQ] = useState('');
  const [rows, setRows] = useState<Row[]>([]);
  const [terms, setTerms] = useState<string[]>([]);
  const [listing, setListing] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [article, setArticle] = useState<RecordData | null>(null);
  const [versions, setVersions] = useState<RecordData[]>([]);
  const [editing, setEditing] = useState<Draft | null>(null);
  const [busy, setBusy] = useState(false);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    document.title = t('knowledge.title');
  }, [t]);
  useEffect(() => {
    const ctrl = new AbortController();
    knowledgeApi
      .categories(ctrl.signal)
      .then((page) => setCategories(page.records.map((r) => ({ id: r.id, name: String(r.name ?? ''), parent: (r.parent as string | null) ?? null, sort_order: (r.sort_order as number | null) ?? null }))))
      .catch(() => setCategories([]));
    return () => ctrl.abort();
  }, []);

  // The list: search (published) or the drafts / archived versions of the category.
  useEffect(() => {
    const ctrl = new AbortController();
    setListing(true);
    const done = (found: Row[], matched: string[]) => {
      setRows(found);
      setTerms(matched);
      setListing(false);
      setError(null);
    };
    const fail = (err: unknown) => {
      if (!ctrl.signal.aborted) {
        setError(err);
        setListing(false);
      }
    };
    if (tab === 'published') {
      knowledgeApi
        .search({ q, category }, ctrl.signal)
        .then((found) => done(found.results.map((h) => ({ id: h.id, title: h.title ?? '', snippet: h.snippet, status: h.status ?? undefined, version_number: h.version_number })), found.terms))
        .catch(fail);
    } else {
      knowledgeApi
        .byStatus(tab, category ? subtree(categories, category) : null, ctrl.signal)
        .then((page) => done(page.records.map((r) => ({ id: r.id, title: String(r.title ?? ''), status: String(r.status ?? ''), version_number: r.version_number as number | null })), []))
        .catch(fail);
    }
    return () => ctrl.abort();
  }, [tab, q, category, categories, tick]);

  // The selected article and its versions. Opening a published article counts one view (the
  // server leaves out its author's own); a refresh of the same article does not count again.
  const counted = useRef<string | null>(null);
  useEffect(() => {
    if (!selectedId) {
      setArticle(null);
      setVersions([]);
      return;
    }
    const ctrl = new AbortController();
    api
      .get(ARTICLE, selectedId, ctrl.signal)
      .then(async (record) => {
        setArticle(record);
        if (record.status === 'published' && counted.current !== record.id) {
          counted.current = record.id;
          void knowledgeApi
            .view(record.id)
            .then(({ view_count }) => setArticle((a) => (a && a.id === record.id ? { ...a, view_count } : a)))
            .catch(() => undefined); // a view not counted is not the reader's problem
        }
        const no = record.article_no ? String(record.article_no) : null;
        setVersions(no ? (await knowledgeApi.versions(no, ctrl.signal)).records : []);
      })
      .catch((err: unknown) => {
        if (!ctrl.signal.aborted) setError(err);
      });
    return () => ctrl.abort();
  }, [selectedId, tick]);

  const select = useCallback(
    (id: string | null) => {
      setEditing(null);
      const next = new URLSearchParams(params);
      if (id) next.set('article', id);
      else next.delete('article');
      setParams(next);
    },
    [params, setParams],
  );

  const act = async (action: ArticleAction) => {
    if (!article) return;
    setBusy(true);
    try {
      const answer = await knowledgeApi.run(article.id, action);
      const notes: Record<ArticleAction, string> = {
        publish: t('knowledge.published'),
        new_version: t('knowledge.newVersionMade'),
        archive: t('knowledge.archived'),
        republish: t('knowledge.published'),
      };
      void message.success(notes[action]);
      setTick((n) => n + 1);
      if (action === 'new_version' && answer.article_id) {
        select(answer.article_id);
        setTab('draft');
      }
    } catch (err) {
      void message.error(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const answer = async (helpful: boolean) => {
    if (!article) return;
    try {
      const counts = await knowledgeApi.feedback(article.id, helpful);
      setArticle({ ...article, ...counts });
      void message.success(t('knowledge.helpful.thanks'));
    } catch (err) {
      void message.error(errorMessage(err, t));
    }
  };

  const save = async () => {
    if (!editing) return;
    if (!editing.title.trim()) {
      void message.error(t('knowledge.titleRequired'));
      return;
    }
    setBusy(true);
    const values = { ...editing, category: editing.category || null };
    try {
      if (article && article.status === 'draft' && selectedId) {
        await api.update(ARTICLE, article.id, article.version, values);
        setEditing(null);
        setTick((n) => n + 1);
      } else {
        const made = await api.create(ARTICLE, values);
        setTab('draft');
        select(made.id);
      }
      void message.success(t('knowledge.saved'));
    } catch (err) {
      void message.error(errorMessage(err, t));
    } finally {
      setBusy(false);
    }
  };

  const tree = useMemo(() => [{ key: '', title: t('knowledge.allCategories'), children: treeOf(categories) }], [categories, t]);
  const status = article ? String(article.status) : null;

  const editor = editing && (
    <Card title={article && selectedId ? String(article.title ?? '') : t('knowledge.new')} data-testid="article-editor">
      <Form layout="vertical" onFinish={() => void save()}>
        <Form.Item label={t('knowledge.field.title')} required>
          <Input value={editing.title} maxLength={300} onChange={(e) => setEditing({ ...editing, title: e.target.value })} aria-label={t('knowledge.field.title')} />
        </Form.Item>
        <Space wrap>
          <Form.Item label={t('knowledge.field.category')}>
            <Select
              allowClear
              style={{ minWidth: 200 }}
              value={editing.category ?? undefined}
              onChange={(v) => setEditing({ ...editing, category: (v as string | undefined) ?? null })}
              options={categories.map((c) => ({ value: c.id, label: c.name }))}
            />
          </Form.Item>
          <Form.Item label={t('knowledge.field.visibility')}>
            <Select
              style={{ minWidth: 140 }}
              value={editing.visibility}
              onChange={(v) => setEditing({ ...editing, visibility: String(v) })}
              options={[
                { value: 'internal', label: t('knowledge.visibility.internal') },
                { value: 'public', label: t('knowledge.visibility.public') },
              ]}
            />
          </Form.Item>
        </Space>
        <Form.Item label={t('knowledge.field.summary')}>
          <Input.TextArea value={editing.summary} autoSize={{ minRows: 2, maxRows: 4 }} onChange={(e) => setEditing({ ...editing, summary: e.target.value })} />
        </Form.Item>
        <Form.Item label={t('knowledge.field.body')}>
          <Suspense fallback={<Skeleton active />}>
            <RichTextEditor value={editing.body} label={t('knowledge.field.body')} onChange={(body) => setEditing((d) => (d ? { ...d, body } : d))} />
          </Suspense>
        </Form.Item>
        <Form.Item label={t('knowledge.field.keywords')}>
          <Input value={editing.keywords} maxLength={500} onChange={(e) => setEditing({ ...editing, keywords: e.target.value })} />
        </Form.Item>
        <Form.Item label={t('knowledge.field.changeNote')}>
          <Input value={editing.change_note} onChange={(e) => setEditing({ ...editing, change_note: e.target.value })} />
        </Form.Item>
        <Space>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('knowledge.save')}
          </Button>
          <Button onClick={() => setEditing(null)}>{t('knowledge.cancel')}</Button>
        </Space>
      </Form>
    </Card>
  );

  const reader = article && selectedId && (
    <Card
      data-testid="article-reader"
      extra={
        canEdit && (
          <Space wrap>
            {status === 'draft' && <Button onClick={() => setEditing(draftOf(article))}>{t('knowledge.edit')}</Button>}
            {status === 'draft' && (
              <Button type="primary" loading={busy} onClick={() => void act('publish')}>
                {t('knowledge.publish')}
              </Button>
            )}
            {status === 'published' && (
              <Button loading={busy} onClick={() => void act('new_version')}>
                {t('knowledge.newVersion')}
              </Button>
            )}
            {status === 'published' && (
              <Button danger loading={busy} onClick={() => void act('archive')}>
                {t('knowledge.archive')}
              </Button>
            )}
            {status === 'archived' && (
              <Button loading={busy} onClick={() => void act('republish')}>
                {t('knowledge.republish')}
              </Button>
            )}
          </Space>
        )
      }
    >
      <ArticleReader article={article} terms={terms} />
      {status === 'published' && (
        <Space style={{ margin: '12px 0' }} data-testid="article-feedback">
          <Typography.Text type="secondary">{t('knowledge.helpful.ask')}</Typography.Text>
          <Button size="small" onClick={() => void answer(true)}>
            {t('knowledge.helpful.yes', { n: Number(article.helpful_count ?? 0) })}
          </Button>
          <Button size="small" onClick={() => void answer(false)}>
            {t('knowledge.helpful.no', { n: Number(article.not_helpful_count ?? 0) })}
          </Button>
        </Space>
      )}
      {versions.length > 0 && (
        <>
          <Typography.Title level={5}>{t('knowledge.versions')}</Typography.Title>
          <List
            size="small"
            data-testid="article-versions"
            dataSource={versions}
            renderItem={(v) => (
              <List.Item className={`ky-kb-hit${v.id === selectedId ? ' is-selected' : ''}`} onClick={() => select(v.id)}>
                <Space>
                  <span>{t('knowledge.version', { n: Number(v.version_number ?? 1) })}</span>
                  <Tag>{t(`knowledge.status.${String(v.status)}` as 'knowledge.status.draft')}</Tag>
                  {v.change_note ? <Typography.Text type="secondary">{String(v.change_note)}</Typography.Text> : null}
                </Space>
              </List.Item>
            )}
          />
        </>
      )}
    </Card>
  );

  return (
    <div className="ky-page">
      <Space style={{ width: '100%', justifyContent: 'space-between', marginBottom: 12 }} wrap>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('knowledge.title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('knowledge.subtitle')}</Typography.Text>
        </div>
        {canCreate && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => {
              select(null);
              setEditing({ ...EMPTY, category });
            }}
          >
            {t('knowledge.new')}
          </Button>
        )}
      </Space>
      <div className="ky-kb-layout">
        <Card size="small" title={t('knowledge.categories')}>
          <Tree
            treeData={tree as never}
            defaultExpandAll
            selectedKeys={[category ?? '']}
            onSelect={(keys) => setCategory(keys.length && keys[0] !== '' ? String(keys[0]) : null)}
          />
        </Card>
        <Card size="small">
          <Input.Search allowClear placeholder={t('knowledge.search')} aria-label={t('knowledge.search')} onSearch={(v) => { setQ(v.trim()); setTab('published'); }} />
          <Tabs
            activeKey={tab}
            onChange={(k) => setTab(k as Tab)}
            items={[
              { key: 'published', label: t('knowledge.tab.published') },
              { key: 'draft', label: t('knowledge.tab.drafts') },
              { key: 'archived', label: t('knowledge.tab.archived') },
            ]}
          />
          {error ? (
            <ErrorResult error={error} />
          ) : (
            <List
              loading={listing}
              data-testid="article-list"
              dataSource={rows}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={q && tab === 'published' ? t('knowledge.noResults', { q }) : t('knowledge.empty')} /> }}
              renderItem={(row) => (
                <List.Item className={`ky-kb-hit${row.id === selectedId ? ' is-selected' : ''}`} onClick={() => select(row.id)}>
                  <List.Item.Meta
                    title={<Marked text={row.title} terms={terms} />}
                    description={row.snippet ? <Marked text={row.snippet} terms={terms} /> : t('knowledge.version', { n: Number(row.version_number ?? 1) })}
                  />
                </List.Item>
              )}
            />
          )}
        </Card>
        <div>{editor || reader || <Card><Empty description={t('knowledge.select')} /></Card>}</div>
      </div>
    </div>
  );
}

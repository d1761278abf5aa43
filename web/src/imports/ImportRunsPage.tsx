import '../i18n/imports';
import { DownloadOutlined, ReloadOutlined, UndoOutlined } from '@ant-design/icons';
import { App, Button, Popconfirm, Space, Table, Tag, type ButtonProps } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { Link } from 'react-router-dom';
import { ErrorResult, errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { formatDateTime } from '../lib/format';
import { fetchTitles } from '../lib/referenceLabels';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import { importsApi, type ImportRun } from './api';
import { STATUS_COLORS, undoable } from './wizard';

const PAGE = 50;

/**
 * Setup › Imports: every import and dry run of the company, newest first, with who ran it, its
 * counts, its error report and an undo — where an administrator looks after the fact.
 */
export default function ImportRunsPage() {
  const { t, label } = useI18n();
  const { message } = App.useApp();
  const fmt = useFormatSettings();
  const { getObject } = useMetadata();
  const [runs, setRuns] = useState<ImportRun[]>([]);
  const [more, setMore] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // Who ran each import: user ids answered by the API, shown by name once looked up.
  const [people, setPeople] = useState<Map<string, string>>(new Map());

  const load = useCallback(async (before: string | null) => {
    setLoading(true);
    setError(null);
    try {
      const page = await importsApi.runs({ before, limit: PAGE });
      setRuns((prev) => (before ? [...prev, ...page] : page));
      const ids = [...new Set(page.map((r) => r.created_by).filter((u): u is string => !!u))];
      if (ids.length) {
        fetchTitles(new Map([['user', ids]]), getObject).then(
          (names) => setPeople((prev) => new Map([...prev, ...names])),
          () => undefined,
        );
      }
      setMore(page.length === PAGE);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, [getObject]);

  useEffect(() => {
    void load(null);
  }, [load]);

  const undo = async (run: ImportRun) => {
    setBusy(run.id);
    try {
      const r = await importsApi.undo(run.id);
      setRuns((prev) => prev.map((x) => (x.id === r.id ? r : x)));
      message.success(t('imports.undoOk'));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(null);
    }
  };

  const objectLabel = (name: string) => {
    const o = getObject(name);
    return o ? label(o.labels, o.name) : name;
  };

  return (
    <div className="ky-setup-panel" data-testid="import-runs-page">
      <div className="ky-setup-toolbar">
        <div>
          <h2>{t('imports.runs.title')}</h2>
          <div className="ky-jobs-sub">{t('imports.runs.subtitle')}</div>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => void load(null)} data-testid="import-runs-refresh">
          {t('imports.runs.refresh')}
        </Button>
      </div>
      {error ? (
        <ErrorResult error={error} onRetry={() => void load(null)} />
      ) : (
        <>
          <Table<ImportRun>
            rowKey="id"
            size="small"
            loading={loading && runs.length === 0}
            dataSource={runs}
            pagination={false}
            scroll={{ x: 900 }}
            locale={{ emptyText: t('imports.runs.empty') }}
            data-testid="import-runs-table"
            onRow={(r) => ({ 'data-testid': `import-run-${r.id}` }) as HTMLAttributes<HTMLElement>}
            columns={[
              { title: t('imports.runs.object'), dataIndex: 'object', render: (o: string) => <Link to={`/o/${o}`}>{objectLabel(o)}</Link> },
              {
                title: t('imports.runs.file'),
                dataIndex: 'file_name',
                render: (f: string, r) => (
                  <span>
                    {f} {r.dry_run && <Tag>{t('imports.runs.dryRun')}</Tag>}
                  </span>
                ),
              },
              { title: t('imports.runs.who'), dataIndex: 'created_by', render: (u: string | null) => (u ? (people.get(u) ?? <span className="ky-setup-mono">{u}</span>) : '—') },
              { title: t('imports.runs.when'), dataIndex: 'created_at', width: 170, render: (at: string) => formatDateTime(at, fmt) },
              {
                title: t('imports.runs.status'),
                dataIndex: 'status',
                width: 100,
                render: (s: ImportRun['status'], r) => (
                  <Tag color={STATUS_COLORS[s]} data-testid={`import-run-status-${r.id}`}>
                    {t(`imports.status.${s}`)}
                  </Tag>
                ),
              },
              {
                title: t('imports.runs.counts'),
                key: 'counts',
                render: (_, r) => (
                  <span data-testid={`import-run-counts-${r.id}`}>
                    {r.total} · {t('imports.result.counts', { created: r.created, updated: r.updated, failed: r.failed })}
                  </span>
                ),
              },
              {
                title: '',
                key: 'actions',
                width: 220,
                render: (_, r) => (
                  <Space wrap size={4}>
                    {r.failed > 0 && (
                      <Button size="small" icon={<DownloadOutlined />} href={importsApi.errorsUrl(r.id)} aria-label={t('imports.errorReport')} data-testid={`import-run-errors-${r.id}`} />
                    )}
                    {undoable(r) && (
                      <Popconfirm title={t('imports.undoConfirm')} description={<div className="ky-import-confirm">{t('imports.undoHelp')}</div>} onConfirm={() => void undo(r)} okButtonProps={{ 'data-testid': 'import-undo-ok' } as ButtonProps}>
                        <Button size="small" danger icon={<UndoOutlined />} loading={busy === r.id} data-testid={`import-run-undo-${r.id}`}>
                          {t('imports.undo')}
                        </Button>
                      </Popconfirm>
                    )}
                  </Space>
                ),
              },
            ]}
          />
          {more && (
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              <Button loading={loading} onClick={() => void load(runs[runs.length - 1]?.id ?? null)} data-testid="import-runs-more">
                {t('common.loadMore')}
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

import '../../i18n/setup';
import { RedoOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Descriptions, Segmented, Table, Tag, Tooltip } from 'antd';
import { useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { ErrorResult, errorMessage } from '../../components/Status';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useFormatSettings } from '../../state/session';
import { JOB_STATUSES, setupApi, type JobEntry, type JobStatus } from './api';
import { applyRetried, defaultJobStatus, errorSummary, JOB_STATUS_COLORS, prettyPayload } from './jobs';

const PAGE = 50;
const NO_COUNTS: Record<JobStatus, number> = { pending: 0, done: 0, dead: 0 };

/**
 * The company's background jobs (what the outbox relay and packages enqueue), newest first, by status.
 * Failed jobs — out of attempts — are what an administrator comes here for: the page opens on
 * them when there are any, shows why the last attempt failed, and retries one in a click.
 */
export default function JobsPage() {
  const { t } = useI18n();
  const { message } = App.useApp();
  const fmt = useFormatSettings();
  // null until the first answer says which tab to open on.
  const [status, setStatus] = useState<JobStatus | null>(null);
  const [jobs, setJobs] = useState<JobEntry[]>([]);
  const [counts, setCounts] = useState<Record<JobStatus, number>>(NO_COUNTS);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  /** Load a page of `which` (the first page unless `after`); null picks the opening tab. */
  const load = useCallback(async (which: JobStatus | null, after: string | null) => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setLoading(true);
    setError(null);
    try {
      let shown: JobStatus = which ?? 'dead';
      let page = await setupApi.jobs(shown, after, PAGE, ctrl.signal);
      if (which === null && defaultJobStatus(page.counts) !== shown) {
        shown = defaultJobStatus(page.counts);
        page = await setupApi.jobs(shown, null, PAGE, ctrl.signal);
      }
      setStatus(shown);
      setJobs((prev) => (after ? [...prev, ...page.jobs] : page.jobs));
      setCounts(page.counts);
      setCursor(page.next_cursor);
    } catch (e) {
      if (!ctrl.signal.aborted) setError(e);
    } finally {
      if (!ctrl.signal.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load(null, null);
    return () => abort.current?.abort();
  }, [load]);

  const show = (which: JobStatus) => {
    setStatus(which);
    setJobs([]);
    setCursor(null);
    void load(which, null);
  };

  const retry = async (job: JobEntry) => {
    setBusy(job.id);
    try {
      const updated = await setupApi.retryJob(job.id);
      const next = applyRetried(jobs, counts, updated);
      setJobs(next.jobs);
      setCounts(next.counts);
      message.success(t('setup.jobs.retried'));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(null);
    }
  };

  const when = (j: JobEntry) => {
    const at = j.status === 'pending' ? j.run_at : j.finished_at;
    if (!at) return '—';
    return (
      <span className="ky-jobs-when">
        <span className="ky-jobs-sub">{t(j.status === 'pending' ? 'setup.jobs.nextRun' : 'setup.jobs.finished')}</span>
        {formatDateTime(at, fmt)}
      </span>
    );
  };

  return (
    <div className="ky-setup-panel" data-testid="jobs-page">
      <div className="ky-setup-toolbar">
        <div>
          <h2>{t('setup.jobs.title')}</h2>
          <div className="ky-jobs-sub">{t('setup.jobs.subtitle')}</div>
        </div>
        <Button icon={<ReloadOutlined />} onClick={() => void load(status, null)} data-testid="jobs-refresh">
          {t('setup.jobs.refresh')}
        </Button>
      </div>
      <div className="ky-jobs-filters">
        <Segmented<JobStatus>
          value={status ?? undefined}
          onChange={show}
          options={JOB_STATUSES.map((s) => ({
            value: s,
            label: (
              <span data-testid={`jobs-tab-${s}`}>
                {t(`setup.jobs.status.${s}`)}
                <span className={`ky-jobs-count${s === 'dead' && counts.dead > 0 ? ' is-dead' : ''}`} data-testid={`jobs-count-${s}`}>
                  {counts[s]}
                </span>
              </span>
            ),
          }))}
          data-testid="jobs-status"
        />
      </div>
      {error ? (
        <ErrorResult error={error} onRetry={() => void load(status, null)} />
      ) : (
        <>
          <Table<JobEntry>
            rowKey="id"
            size="small"
            loading={loading && jobs.length === 0}
            dataSource={jobs}
            pagination={false}
            scroll={{ x: 960 }}
            locale={{ emptyText: status ? t(`setup.jobs.empty.${status}`) : ' ' }}
            data-testid="jobs-table"
            onRow={(j) => ({ 'data-testid': `job-row-${j.id}` }) as HTMLAttributes<HTMLElement>}
            expandable={{
              expandedRowRender: (j) => (
                <Descriptions size="small" column={1} data-testid="job-details">
                  <Descriptions.Item label={t('setup.jobs.id')}>
                    <span className="ky-setup-mono">{j.id}</span>
                  </Descriptions.Item>
                  <Descriptions.Item label={t('setup.jobs.created')}>{formatDateTime(j.created_at, fmt)}</Descriptions.Item>
                  {j.last_error && (
                    <Descriptions.Item label={t('setup.jobs.lastError')}>
                      <pre className="ky-jobs-pre is-error">{j.last_error}</pre>
                    </Descriptions.Item>
                  )}
                  <Descriptions.Item label={t('setup.jobs.payload')}>
                    <pre className="ky-jobs-pre" data-testid="job-payload">
                      {prettyPayload(j.payload)}
                    </pre>
                  </Descriptions.Item>
                </Descriptions>
              ),
            }}
            columns={[
              { title: t('setup.jobs.kind'), dataIndex: 'kind', render: (k: string) => <span className="ky-setup-mono">{k}</span> },
              {
                title: t('setup.jobs.statusCol'),
                dataIndex: 'status',
                width: 150,
                render: (s: JobStatus, j) => (
                  <Tag color={JOB_STATUS_COLORS[s]} data-testid={`job-status-${j.id}`}>
                    {t(`setup.jobs.status.${s}`)}
                  </Tag>
                ),
              },
              {
                title: t('setup.jobs.attempts'),
                key: 'attempts',
                width: 90,
                render: (_, j) => (
                  <span data-testid={`job-attempts-${j.id}`}>
                    {j.attempts} / {j.max_attempts}
                  </span>
                ),
              },
              { title: t('setup.jobs.when'), key: 'when', width: 180, render: (_, j) => when(j) },
              {
                title: t('setup.jobs.lastError'),
                dataIndex: 'last_error',
                render: (e: string | null) =>
                  e ? (
                    <Tooltip title={<span className="ky-jobs-tip">{e}</span>} styles={{ root: { maxWidth: 480 } }}>
                      <span className="ky-jobs-error">{errorSummary(e)}</span>
                    </Tooltip>
                  ) : (
                    '—'
                  ),
              },
              {
                title: '',
                key: 'actions',
                width: 100,
                render: (_, j) =>
                  j.status === 'dead' ? (
                    <Button size="small" icon={<RedoOutlined />} loading={busy === j.id} onClick={() => void retry(j)} data-testid={`job-retry-${j.id}`}>
                      {t('setup.jobs.retry')}
                    </Button>
                  ) : null,
              },
            ]}
          />
          {cursor && (
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              <Button loading={loading} onClick={() => void load(status, cursor)} data-testid="jobs-more">
                {t('common.loadMore')}
              </Button>
            </div>
          )}
        </>
      )}
    </div>
  );
}

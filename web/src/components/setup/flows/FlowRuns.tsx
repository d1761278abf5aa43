import { ReloadOutlined } from '@ant-design/icons';
import { Button, Drawer, Table, Tag, Tooltip } from 'antd';
import { useCallback, useEffect, useRef, useState, type HTMLAttributes } from 'react';
import { Link } from 'react-router-dom';
import { useI18n } from '../../../i18n';
import { formatDateTime } from '../../../lib/format';
import { useMetadata } from '../../../state/metadata';
import { useFormatSettings } from '../../../state/session';
import { setupApi } from '../../../pages/setup/api';
import { isKnownAction, RUN_STATUS_COLORS, STEP_REASONS, type Flow, type FlowRun, type FlowStep } from '../../../pages/setup/flows';
import { fetchTitles } from '../../../lib/referenceLabels';
import { ErrorResult } from '../../Status';

const PAGE = 50;
/** What starts a run, as the runs list names it (anything else reads as an update). */
const RUN_EVENTS = ['created', 'updated', 'deleted', 'scheduled', 'date'] as const;

/**
 * A flow's run log, newest first: what each run was started by (record, event), how it ended,
 * how long it took, and — expanded — what each of its actions did.
 */
export default function FlowRuns({ flow, onClose }: { flow: Flow | null; onClose: () => void }) {
  const { t, label } = useI18n();
  const { byName } = useMetadata();
  const fmt = useFormatSettings();
  const [runs, setRuns] = useState<FlowRun[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const flowId = flow?.id;

  const load = useCallback(async (id: string, after: string | null) => {
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    setLoading(true);
    setError(null);
    try {
      const page = await setupApi.flowRuns(id, after, PAGE, ctrl.signal);
      setRuns((prev) => (after ? [...prev, ...page.runs] : page.runs));
      setCursor(page.next_cursor);
    } catch (e) {
      if (!ctrl.signal.aborted) setError(e);
    } finally {
      if (!ctrl.signal.aborted) setLoading(false);
    }
  }, []);

  useEffect(() => {
    setRuns([]);
    setCursor(null);
    if (flowId) void load(flowId, null);
    return () => abort.current?.abort();
  }, [flowId, load]);

  const objectLabel = (name: string | undefined) => {
    const o = name ? byName.get(name) : undefined;
    return o ? label(o.labels, o.name) : name ?? '';
  };
  const fieldLabel = (object: string, name: string) => {
    const f = byName.get(object)?.fields.find((x) => x.name === name);
    return f ? label(f.labels, f.name) : name;
  };
  const recordLink = (object: string | undefined, id: string | null | undefined, text?: string) =>
    object && id ? (
      <Link to={`/o/${encodeURIComponent(object)}/${encodeURIComponent(id)}`} className="ky-setup-mono">
        {text ?? id}
      </Link>
    ) : (
      '—'
    );

  /** A skipped step's reason in words when the editor knows it (as it came otherwise). */
  const reasonText = (reason: string | undefined) => ((STEP_REASONS as readonly string[]).includes(reason ?? '') ? t(`setup.flows.reason.${reason as (typeof STEP_REASONS)[number]}`) : reason);

  /** "Action 2 · Create a record"; a before-save run's one step names the fields it set. */
  const stepText = (s: FlowStep, object: string) => {
    const parts = [
      s.action === undefined ? null : t('setup.flows.actionN', { n: s.action + 1 }),
      s.type ? (isKnownAction(s.type) ? t(`setup.flows.type.${s.type}`) : t('setup.flows.type.unknown', { type: s.type })) : null,
      s.fields?.length ? s.fields.map((f) => fieldLabel(object, f)).join(', ') : null,
    ];
    return parts.filter(Boolean).join(' · ');
  };

  return (
    <Drawer
      open={!!flow}
      onClose={onClose}
      width="min(1040px, 100vw)"
      title={flow ? t('setup.flows.runsOf', { name: label(flow.labels, flow.name) }) : ''}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => flowId && void load(flowId, null)} data-testid="flow-runs-refresh">
          {t('setup.jobs.refresh')}
        </Button>
      }
    >
      <div className="ky-flow-help" style={{ marginBottom: 12 }}>
        {t('setup.flows.runsHelp')}
      </div>
      {error ? (
        <ErrorResult error={error} onRetry={() => flowId && void load(flowId, null)} />
      ) : (
        <>
          <Table<FlowRun>
            rowKey="id"
            size="small"
            loading={loading && runs.length === 0}
            dataSource={runs}
            pagination={false}
            scroll={{ x: 860 }}
            locale={{ emptyText: t('setup.flows.noRuns') }}
            data-testid="flow-runs"
            onRow={(r) => ({ 'data-testid': `flow-run-${r.id}` }) as HTMLAttributes<HTMLElement>}
            expandable={{
              rowExpandable: (r) => r.steps.length > 0,
              expandedRowRender: (r) => (
                <ol className="ky-flow-steps" data-testid="flow-run-steps">
                  {r.steps.map((s, i) => (
                    <li key={i}>
                      <Tag color={RUN_STATUS_COLORS[s.outcome] ?? 'default'}>{t(`setup.flows.outcome.${s.outcome === 'failed' || s.outcome === 'skipped' || s.outcome === 'pending' ? s.outcome : 'done'}`)}</Tag>
                      <span>{stepText(s, r.object)}</span>
                      {s.record_id && (
                        <span className="ky-flow-step-rec">
                          {objectLabel(s.object ?? r.object)} {recordLink(s.object ?? r.object, s.record_id)}
                        </span>
                      )}
                      {s.owner_id && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-owner">
                          {t('setup.flows.step.owner')} <UserLinks ids={[s.owner_id]} />
                        </span>
                      )}
                      {s.users && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-users">
                          {s.users.length ? (
                            <>
                              {t('setup.flows.step.notified')} <UserLinks ids={s.users} />
                            </>
                          ) : (
                            t('setup.flows.step.nobody')
                          )}
                        </span>
                      )}
                      {s.to && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-to">
                          {t('setup.flows.step.sentTo')} <span className="ky-setup-mono">{s.to.join(', ')}</span>
                        </span>
                      )}
                      {s.type === 'send_email' && !s.to && s.outcome === 'skipped' && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-to">
                          {t('setup.flows.step.notSent')}
                        </span>
                      )}
                      {s.delivery_id && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-delivery">
                          {t('setup.flows.step.delivery')} <span className="ky-setup-mono">{s.delivery_id}</span>
                        </span>
                      )}
                      {s.approval_id && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-approval">
                          {t('setup.flows.step.approval')} <span className="ky-setup-mono">{s.approval_id}</span>
                        </span>
                      )}
                      {s.type === 'post_to_robot' && (s.channel || s.channel_id) && (
                        <span className="ky-flow-step-rec" data-testid="flow-step-robot">
                          {t('setup.flows.step.robot')} {s.channel ?? <span className="ky-setup-mono">{s.channel_id}</span>}
                          {s.attempts ? ` · ${t('setup.flows.step.attempts', { n: s.attempts })}` : ''}
                        </span>
                      )}
                      {(s.error || s.reason) && <div className="ky-jobs-error">{s.error ?? reasonText(s.reason)}</div>}
                    </li>
                  ))}
                </ol>
              ),
            }}
            columns={[
              {
                title: t('setup.jobs.statusCol'),
                dataIndex: 'status',
                width: 100,
                render: (s: string, r) => (
                  <Tag color={RUN_STATUS_COLORS[s] ?? 'default'} data-testid={`flow-run-status-${r.id}`}>
                    {t(`setup.flows.outcome.${s === 'failed' || s === 'skipped' ? s : 'done'}`)}
                  </Tag>
                ),
              },
              {
                title: t('setup.flows.record'),
                key: 'record',
                render: (_, r) =>
                  // A scheduled flow without an object ran with no record.
                  r.object ? (
                    <span>
                      <span className="ky-flow-help">{objectLabel(r.object)}</span> {r.event === 'deleted' ? <span className="ky-setup-mono">{r.record_id}</span> : recordLink(r.object, r.record_id)}
                    </span>
                  ) : (
                    '—'
                  ),
              },
              { title: t('setup.flows.event'), dataIndex: 'event', width: 100, render: (e: string) => t(`setup.flows.eventLabel.${RUN_EVENTS.includes(e as never) ? (e as (typeof RUN_EVENTS)[number]) : 'updated'}`) },
              { title: t('setup.flows.started'), dataIndex: 'started_at', width: 170, render: (at: string) => formatDateTime(at, fmt) },
              { title: t('setup.flows.duration'), dataIndex: 'duration_ms', width: 100, align: 'right', render: (ms: number) => t('setup.flows.ms', { ms: Math.round(ms) }) },
              {
                title: t('setup.flows.error'),
                dataIndex: 'error',
                render: (e: string | null) =>
                  e ? (
                    <Tooltip title={<span className="ky-jobs-tip">{e}</span>} styles={{ root: { maxWidth: 480 } }}>
                      <span className="ky-jobs-error ky-flow-clip">{e}</span>
                    </Tooltip>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
          {cursor && (
            <div style={{ textAlign: 'center', marginTop: 12 }}>
              <Button loading={loading} onClick={() => flowId && void load(flowId, cursor)} data-testid="flow-runs-more">
                {t('common.loadMore')}
              </Button>
            </div>
          )}
        </>
      )}
    </Drawer>
  );
}

/** Users a step names (the owner it gave, whom it notified), by name, linked to their records. */
function UserLinks({ ids }: { ids: string[] }) {
  const { getObject } = useMetadata();
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const key = ids.join(',');
  useEffect(() => {
    const ctrl = new AbortController();
    fetchTitles(new Map([['user', key.split(',')]]), getObject, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted) setTitles(found);
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [key, getObject]);
  return (
    <>
      {ids.map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <Link to={`/o/user/${encodeURIComponent(id)}`}>{titles.get(id) ?? id}</Link>
        </span>
      ))}
    </>
  );
}

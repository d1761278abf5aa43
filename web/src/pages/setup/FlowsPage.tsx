import { HistoryOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { App, Button, Empty, Space, Switch, Table, Tag, Tooltip } from 'antd';
import { useCallback, useEffect, useState, type HTMLAttributes } from 'react';
import { ApiError } from '../../api/client';
import { ErrorResult, errorMessage } from '../../components/Status';
import { RowActions } from '../../components/setup/RowActions';
import FlowEditor from '../../components/setup/flows/FlowEditor';
import FlowRuns from '../../components/setup/flows/FlowRuns';
import { useI18n } from '../../i18n';
import { formatDateTime } from '../../lib/format';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import { setupApi } from './api';
import { actionsSummary, flowDefOf, triggerSummary, type Flow } from './flows';
import './flows.css';

/**
 * Setup › Automation: the company's flows — what starts each (a record's change, a schedule, a
 * date; in words), when it runs, whether it is on — with the editor and each flow's run log.
 */
export default function FlowsPage() {
  const { t, label, lang } = useI18n();
  const { byName } = useMetadata();
  const { message, modal } = App.useApp();
  const fmt = useFormatSettings();
  const [flows, setFlows] = useState<Flow[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [editing, setEditing] = useState<Flow | null>(null);
  const [editorOpen, setEditorOpen] = useState(false);
  const [runsOf, setRunsOf] = useState<Flow | null>(null);

  const load = useCallback(async () => {
    setLoading(true);
    setError(null);
    try {
      setFlows((await setupApi.flows()).flows);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  const objectLabel = (name: string | null | undefined) => {
    const o = name ? byName.get(name) : undefined;
    return o ? label(o.labels, o.name) : name ?? '';
  };
  /** A date trigger's field by its label (its API name when the object does not have it). */
  const dateFieldLabel = (f: Flow) => {
    if (f.trigger.type !== 'date') return undefined;
    const { object, field } = f.trigger;
    const meta = byName.get(object)?.fields.find((x) => x.name === field);
    return meta ? label(meta.labels, meta.name) : field;
  };
  const replace = (saved: Flow) => setFlows((prev) => (prev.some((f) => f.id === saved.id) ? prev.map((f) => (f.id === saved.id ? saved : f)) : [...prev, saved].sort((a, b) => a.name.localeCompare(b.name))));

  const toggle = async (flow: Flow, active: boolean) => {
    setBusy(flow.id);
    try {
      replace(await setupApi.updateFlow(flow.id, flow.version, { ...flowDefOf(flow), active }));
      message.success(t(active ? 'setup.flows.switchedOn' : 'setup.flows.switchedOff'));
    } catch (e) {
      message.error(e instanceof ApiError && e.status === 412 ? t('setup.flows.stale') : errorMessage(e, t));
      if (e instanceof ApiError && e.status === 412) void load();
    } finally {
      setBusy(null);
    }
  };

  const remove = (flow: Flow) => {
    modal.confirm({
      title: t('setup.flows.deleteConfirm', { name: label(flow.labels, flow.name) }),
      content: t('setup.flows.deleteHelp'),
      okType: 'danger',
      okText: t('common.delete'),
      cancelText: t('common.cancel'),
      okButtonProps: { 'data-testid': 'confirm-delete-flow' } as never,
      onOk: async () => {
        try {
          await setupApi.deleteFlow(flow.id);
          setFlows((prev) => prev.filter((f) => f.id !== flow.id));
          message.success(t('setup.flows.deleted'));
        } catch (e) {
          message.error(errorMessage(e, t));
          throw e;
        }
      },
    });
  };

  const edit = (flow: Flow | null) => {
    setEditing(flow);
    setEditorOpen(true);
  };

  return (
    <div className="ky-setup-panel" data-testid="flows-page">
      <div className="ky-setup-toolbar">
        <div>
          <h2>{t('setup.flows.title')}</h2>
          <div className="ky-flow-help">{t('setup.flows.subtitle')}</div>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={() => void load()} aria-label={t('common.reload')} />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => edit(null)} data-testid="flow-new">
            {t('setup.flows.new')}
          </Button>
        </Space>
      </div>
      {error ? (
        <ErrorResult error={error} onRetry={() => void load()} />
      ) : (
        <Table<Flow>
          rowKey="id"
          size="small"
          loading={loading}
          dataSource={flows}
          pagination={false}
          scroll={{ x: 900 }}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('setup.flows.empty')} /> }}
          data-testid="flows-table"
          onRow={(f) => ({ 'data-testid': `flow-row-${f.name}` }) as HTMLAttributes<HTMLElement>}
          columns={[
            {
              title: t('setup.flows.label'),
              key: 'label',
              render: (_, f) => (
                <div>
                  <a onClick={() => edit(f)}>{label(f.labels, f.name)}</a>
                  <div className="ky-setup-mono">{f.name}</div>
                </div>
              ),
            },
            { title: t('setup.flows.object'), key: 'object', width: 120, render: (_, f) => objectLabel(f.trigger.object) || '—' },
            {
              title: t('setup.flows.trigger'),
              key: 'trigger',
              render: (_, f) => (
                <div>
                  <span className="ky-flow-summary" data-testid={`flow-summary-${f.name}`}>
                    {triggerSummary(f.trigger, objectLabel(f.trigger.object), t, lang, dateFieldLabel(f))}
                  </span>
                  <div className="ky-flow-help" data-testid={`flow-actions-${f.name}`}>
                    {actionsSummary(f.actions, t)}
                  </div>
                </div>
              ),
            },
            {
              title: t('setup.flows.place.timing'),
              key: 'timing',
              width: 130,
              render: (_, f) => {
                // Timed flows always run in the background: their kind says when.
                if (f.trigger.type !== 'record') {
                  const kind = f.trigger.type;
                  return (
                    <Tooltip title={t(`setup.flows.triggerTypeHelp.${kind}`)}>
                      <Tag color={kind === 'schedule' ? 'cyan' : 'gold'} data-testid={`flow-kind-${f.name}`}>
                        {t(`setup.flows.triggerType.${kind}`)}
                      </Tag>
                    </Tooltip>
                  );
                }
                const timing = f.trigger.timing ?? 'after_commit';
                return (
                  <Tooltip title={t(`setup.flows.timingHelp.${timing}`)}>
                    <Tag color={timing === 'before_save' ? 'purple' : 'blue'}>{t(`setup.flows.timing.${timing}`)}</Tag>
                  </Tooltip>
                );
              },
            },
            {
              title: t('setup.flows.active'),
              key: 'active',
              width: 80,
              render: (_, f) => (
                <Switch
                  size="small"
                  checked={f.active !== false}
                  loading={busy === f.id}
                  onChange={(on) => void toggle(f, on)}
                  aria-label={`${t('setup.flows.active')} ${f.name}`}
                  data-testid={`flow-active-${f.name}`}
                />
              ),
            },
            { title: t('setup.flows.lastEdited'), dataIndex: 'updated_at', width: 160, render: (at: string) => formatDateTime(at, fmt) },
            {
              key: 'actions',
              align: 'right',
              width: 140,
              render: (_, f) => (
                <Space size={0}>
                  <Tooltip title={t('setup.flows.runs')}>
                    <Button type="text" icon={<HistoryOutlined />} aria-label={`${t('setup.flows.runs')} ${f.name}`} onClick={() => setRunsOf(f)} data-testid={`flow-runs-${f.name}`} />
                  </Tooltip>
                  <RowActions name={f.name} testId="flow" onEdit={() => edit(f)} onDelete={() => remove(f)} />
                </Space>
              ),
            },
          ]}
        />
      )}
      <FlowEditor
        open={editorOpen}
        flow={editing}
        onClose={() => setEditorOpen(false)}
        onSaved={(saved, created) => {
          replace(saved);
          setEditorOpen(false);
          message.success(t(created ? 'setup.flows.created' : 'setup.flows.saved'));
        }}
      />
      <FlowRuns flow={runsOf} onClose={() => setRunsOf(null)} />
    </div>
  );
}

/**
 * The service console (/service): my cases, a queue's cases or every open case, ordered by
 * what is due next, with live SLA countdowns coloured by state, filters, row selection with
 * bulk take / assign, and a case panel with the conversation. On a phone the table collapses
 * to a list of cards.
 */
import '../../i18n/service-core';
import { Badge, Button, Drawer, Empty, Grid, Select, Space, Table, Tabs, Tag, Typography, App as AntApp } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { request } from '../../api/client';
import { serviceApi, type ConsoleCase, type ConsolePage, type ConsoleView } from '../../api/service';
import { ErrorResult } from '../../components/Status';
import { useI18n } from '../../i18n';
import { useMetadata } from '../../state/metadata';
import { CaseThread } from './CaseThread';
import { formatCountdown, liveState, remaining, SLA_COLORS } from './sla';
import './console.css';

const OPEN = ['new', 'assigned', 'in_progress', 'waiting_on_customer'];

/** The current time, ticking every second (the countdowns re-render with it). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

interface Option {
  value: string;
  label: string;
}

export function Countdown({ c, now }: { c: ConsoleCase; now: number }) {
  const { t } = useI18n();
  const state = liveState(c, now);
  const left = remaining(c.next_due, now);
  if (!state) return <Tag data-testid={`sla-${c.id}`}>{t('service.sla.none')}</Tag>;
  return (
    <Tag color={SLA_COLORS[state]} data-testid={`sla-${c.id}`} data-state={state} className="ky-console-countdown">
      {left === null || state === 'met' ? t(`service.sla.${state}` as 'service.sla.met') : `${formatCountdown(left)} · ${t(`service.sla.${state}` as 'service.sla.met')}`}
    </Tag>
  );
}

export default function ServiceConsolePage() {
  const { t, label } = useI18n();
  const { getObject } = useMetadata();
  const { message } = AntApp.useApp();
  const screens = Grid.useBreakpoint();
  // Below md (768 px) the table becomes a list of cards; nothing matched (no window): a table.
  const phone = !!screens.xs || (!!screens.sm && !screens.md);
  const now = useNow();
  const [view, setView] = useState<ConsoleView>('mine');
  const [queue, setQueue] = useState<string | undefined>();
  const [status, setStatus] = useState<string | undefined>();
  const [page, setPage] = useState<ConsolePage | null>(null);
  const [rows, setRows] = useState<ConsoleCase[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const [selected, setSelected] = useState<string[]>([]);
  const [queues, setQueues] = useState<Option[]>([]);
  const [members, setMembers] = useState<Option[]>([]);
  const [panel, setPanel] = useState<ConsoleCase | null>(null);

  const caseMeta = getObject('case');
  const optionLabel = useCallback(
    (field: string, value: string | null) => {
      const option = caseMeta?.fields.find((f) => f.name === field)?.options?.find((o) => o.value === value);
      return option ? label(option.labels, value ?? '') : value ?? '';
    },
    [caseMeta, label],
  );
  const statusOptions = useMemo(
    () => (caseMeta?.fields.find((f) => f.name === 'status')?.options ?? []).map((o) => ({ value: o.value, label: label(o.labels, o.value) })),
    [caseMeta, label],
  );

  useEffect(() => {
    document.title = t('service.title');
  }, [t]);

  useEffect(() => {
    request<{ records: { id: string; name: string }[] }>('/api/v1/records/queue/query', { body: { fields: ['name'], limit: 200, sort: [{ field: 'name' }] } })
      .then((r) => setQueues(r.records.map((q) => ({ value: q.id, label: q.name }))))
      .catch(() => setQueues([]));
  }, []);

  useEffect(() => {
    const filter = queue ? { field: 'queue', op: 'eq', value: queue } : undefined;
    request<{ records: { user: string; _display?: Record<string, string> }[] }>('/api/v1/records/queue_member/query', { body: { filter, fields: ['user'], limit: 500 } })
      .then((r) => {
        const seen = new Map<string, string>();
        for (const m of r.records) seen.set(m.user, m._display?.user ?? m.user);
        setMembers([...seen].map(([value, name]) => ({ value, label: name })));
      })
      .catch(() => setMembers([]));
  }, [queue]);

  useEffect(() => {
    const ctrl = new AbortController();
    setLoading(true);
    setError(null);
    serviceApi
      .console({ view, queue: view === 'queue' ? queue : undefined, status }, ctrl.signal)
      .then((r) => {
        setPage(r);
        setRows(r.records);
        setSelected([]);
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setLoading(false);
      });
    return () => ctrl.abort();
  }, [view, queue, status, tick]);

  const more = async () => {
    if (!page?.next_cursor) return;
    const next = await serviceApi.console({ view, queue: view === 'queue' ? queue : undefined, status, cursor: page.next_cursor });
    setPage(next);
    setRows((r) => [...r, ...next.records]);
  };

  const bulk = async (name: 'take_many' | 'assign_many', user?: string) => {
    try {
      const result = await serviceApi.bulk(name, { ids: selected, user });
      const text = t('service.bulkDone', { done: result.done.length, failed: result.errors.length });
      if (result.errors.length) message.warning(text);
      else message.success(text);
      setTick((x) => x + 1);
    } catch (e) {
      message.error(e instanceof Error ? e.message : String(e));
    }
  };

  const display = (c: ConsoleCase, field: string) => c._display?.[field] ?? '';
  const columns: ColumnsType<ConsoleCase> = [
    {
      key: 'case',
      title: t('service.col.case'),
      render: (_, c) => (
        <Space direction="vertical" size={0}>
          <Typography.Link onClick={() => setPanel(c)} data-testid={`console-open-${c.id}`}>
            {c.subject}
          </Typography.Link>
          <Typography.Text type="secondary">{c.case_no}</Typography.Text>
        </Space>
      ),
    },
    { key: 'account', title: t('service.col.account'), render: (_, c) => display(c, 'account') },
    { key: 'priority', title: t('service.col.priority'), render: (_, c) => <Tag>{optionLabel('priority', c.priority)}</Tag> },
    { key: 'status', title: t('service.col.status'), render: (_, c) => optionLabel('status', c.status) },
    { key: 'owner', title: t('service.col.owner'), render: (_, c) => display(c, 'owner_id') },
    { key: 'queue', title: t('service.col.queue'), render: (_, c) => display(c, 'queue') },
    { key: 'due', title: t('service.col.due'), render: (_, c) => <Countdown c={c} now={now} /> },
  ];

  const counts = page?.counts;
  const openTotal = counts ? OPEN.reduce((n, s) => n + (counts.status[s] ?? 0), 0) : 0;

  return (
    <div className="ky-page" data-testid="service-console">
      <Typography.Title level={3}>{t('service.title')}</Typography.Title>
      <Tabs
        activeKey={view}
        onChange={(key) => setView(key as ConsoleView)}
        items={(['mine', 'queue', 'all_open'] as const).map((key) => ({ key, label: <span data-testid={`console-tab-${key}`}>{t(`service.view.${key}`)}</span> }))}
      />
      <div className="ky-console-toolbar">
        {view === 'queue' && (
          <Select
            allowClear
            style={{ minWidth: 180 }}
            placeholder={t('service.filter.allQueues')}
            value={queue}
            onChange={(v) => setQueue(v)}
            options={queues}
            aria-label={t('service.filter.queue')}
            data-testid="console-queue"
          />
        )}
        <Select
          allowClear
          style={{ minWidth: 180 }}
          placeholder={t('service.filter.anyOpen')}
          value={status}
          onChange={(v) => setStatus(v)}
          options={statusOptions}
          aria-label={t('service.filter.status')}
          data-testid="console-status"
        />
        {counts && (
          <Space wrap size={4} data-testid="console-counts">
            <Typography.Text>
              {counts.capped
                ? t('service.count.totalCapped', { count: openTotal - 1 })
                : t('service.count.total', { count: openTotal })}
            </Typography.Text>
            {(['breached', 'warning', 'on_track', 'paused'] as const).map((s) =>
              counts.sla_status[s] ? (
                <Tag key={s} color={SLA_COLORS[s]} data-testid={`console-count-${s}`}>
                  {t(`service.sla.${s}`)} {counts.sla_status[s]}
                  {counts.capped ? '+' : ''}
                </Tag>
              ) : null,
            )}
          </Space>
        )}
        {selected.length > 0 && (
          <Space wrap>
            <Badge count={selected.length} />
            <Button type="primary" onClick={() => void bulk('take_many')} data-testid="console-take">
              {t('service.take')}
            </Button>
            <Select
              style={{ minWidth: 160 }}
              placeholder={t('service.assign')}
              options={members}
              value={null}
              onChange={(user) => user && void bulk('assign_many', user)}
              aria-label={t('service.assignTo')}
              data-testid="console-assign"
            />
          </Space>
        )}
      </div>
      {error ? (
        <ErrorResult error={error} />
      ) : phone ? (
        rows.length === 0 && !loading ? (
          <Empty description={t('service.empty')} />
        ) : (
          <ul className="ky-console-cards" style={{ display: 'flex' }} data-testid="console-cards">
            {rows.map((c) => (
              <li key={c.id} className="ky-console-card" onClick={() => setPanel(c)}>
                <Space direction="vertical" size={2} style={{ width: '100%' }}>
                  <Typography.Text strong>{c.subject}</Typography.Text>
                  <Space wrap size={4}>
                    <Typography.Text type="secondary">{c.case_no}</Typography.Text>
                    <Tag>{optionLabel('priority', c.priority)}</Tag>
                    <Countdown c={c} now={now} />
                  </Space>
                </Space>
              </li>
            ))}
          </ul>
        )
      ) : (
        <Table<ConsoleCase>
          className="ky-console-table"
          rowKey="id"
          size="middle"
          loading={loading}
          columns={columns}
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: <Empty description={t('service.empty')} /> }}
          rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String)) }}
          onRow={(c) => ({ 'data-testid': `console-row-${c.id}` }) as React.HTMLAttributes<HTMLElement>}
        />
      )}
      {page?.next_cursor && (
        <Button onClick={() => void more()} style={{ marginTop: 12 }} data-testid="console-more">
          {t('service.more')}
        </Button>
      )}
      <Drawer
        open={panel !== null}
        onClose={() => setPanel(null)}
        width={phone ? '100%' : 560}
        title={panel ? `${panel.case_no ?? ''} ${panel.subject}` : ''}
        extra={panel && <Link to={`/o/case/${encodeURIComponent(panel.id)}`}>{t('service.open')}</Link>}
        destroyOnClose
      >
        {panel && (
          <CaseThread
            record={panel}
            onChanged={() => {
              setTick((x) => x + 1);
              void request<ConsoleCase>(`/api/v1/records/case/${encodeURIComponent(panel.id)}`).then((c) => setPanel({ ...panel, ...c }));
            }}
          />
        )}
      </Drawer>
    </div>
  );
}

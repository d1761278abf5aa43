/**
 * Lists of alerts and report emails with what can be done to each: switch it on or off, edit
 * it, delete it, and for an alert check it now (the caller's value and whether it holds; nothing
 * is sent) and see when it last ran and fired and the values it stored. Shown for one report on
 * its page and for every report on "My alerts and subscriptions".
 */
import { DeleteOutlined, EditOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { App, Button, Descriptions, Empty, List, Skeleton, Space, Switch, Table, Tag, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { ObjectMeta } from '../../api/types';
import { errorMessage } from '../../components/Status';
import { optionLabel } from '../../fields/text';
import { useI18n, type MessageKey } from '../../i18n';
import { formatCurrency, formatDateTime, formatInteger, formatNumber } from '../../lib/format';
import { resolvePath } from '../../lib/fields';
import { useMetadata } from '../../state/metadata';
import { useCurrentUser, useFormatSettings } from '../../state/session';
import type { ReportDefinition } from '../api';
import { alertsApi, subscriptionsApi, type AlertSample, type CheckResult, type GroupHit, type ReportAlert, type ReportSubscription } from './api';
import { valueName } from '../definition';
import { describeCondition, measureChoices } from './forms';
import { recipientsText } from './Recipients';
import { describeSchedule } from './schedule';

/** What a list knows of a rule's report: its name (and link) and its definition. */
export interface ReportInfo {
  name: string;
  definition?: ReportDefinition;
}

/** The alerts and report emails the caller manages (of one report, or all). */
export function useRules(reportId: string | null, enabled = true) {
  const [alerts, setAlerts] = useState<ReportAlert[] | null>(null);
  const [subscriptions, setSubscriptions] = useState<ReportSubscription[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!enabled) return;
    const ctrl = new AbortController();
    setError(null);
    Promise.all([alertsApi.list(reportId, ctrl.signal), subscriptionsApi.list(reportId, ctrl.signal)])
      .then(([a, s]) => {
        setAlerts(a.alerts);
        setSubscriptions(s.subscriptions);
      })
      .catch((e) => !ctrl.signal.aborted && setError(e));
    return () => ctrl.abort();
  }, [reportId, enabled, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { alerts, subscriptions, error, reload };
}

function useValueLabel(reports: Map<string, ReportInfo>) {
  const { t, lang } = useI18n();
  const { objects } = useMetadata();
  // A report not read (gone, or closed to the reader) still names its plain count.
  return (reportId: string, value: string) =>
    measureChoices(reports.get(reportId)?.definition, objects, lang, t).find((m) => m.value === value)?.label ?? (value === 'count' ? t('reports.value.count') : value);
}

/** A group's key as it reads: picklist options by their labels, other values as they are. */
function keyText(key: GroupHit['key'], definition: ReportDefinition | undefined, objects: ObjectMeta[], lang: 'en' | 'zh-CN', empty: string): string {
  const obj = definition ? objects.find((o) => o.name === definition.object) : undefined;
  return Object.entries(key)
    .map(([path, v]) => {
      if (v === null || v === undefined || v === '') return empty;
      const field = obj ? resolvePath(objects, obj, path) : undefined;
      return field?.type === 'picklist' ? optionLabel(field, v, lang) : String(v);
    })
    .join(' / ');
}

/** A value of the report as it reads: counts as integers, sums of money in the currency. */
function useValueFormat(definition: ReportDefinition | undefined, value: string) {
  const fmt = useFormatSettings();
  const { objects } = useMetadata();
  const measure = definition?.aggregates.find((m) => valueName(m) === value);
  const obj = definition ? objects.find((o) => o.name === definition.object) : undefined;
  const field = measure?.field && obj ? resolvePath(objects, obj, measure.field) : undefined;
  return (v: unknown): string => {
    if (!measure || measure.op === 'count' || measure.op === 'count_distinct') return measure ? formatInteger(v, fmt) : formatNumber(v, fmt);
    return field?.type === 'currency' ? formatCurrency(v, fmt) : formatNumber(v, fmt);
  };
}

function CheckOutcome({ result, definition, value: name }: { result: CheckResult; definition?: ReportDefinition; value: string }) {
  const { t, lang } = useI18n();
  const { objects } = useMetadata();
  const format = useValueFormat(definition, name);
  const number = (v: unknown) => (v === null || v === undefined ? t('reports.alerts.noValue') : format(v));
  const value = Array.isArray(result.value)
    ? result.value.length
      ? result.value.map((g) => `${keyText(g.key, definition, objects, lang, t('reports.empty'))}: ${number(g.value)}`).join('; ')
      : t('reports.alerts.noGroup')
    : number(result.value);
  return (
    <Space size={4} wrap className="ky-alert-check">
      <Tag color={result.holds ? 'red' : 'green'} data-testid="alert-check-holds">
        {result.holds ? t('reports.alerts.check.holds') : t('reports.alerts.check.quiet')}
      </Tag>
      <Typography.Text type="secondary" data-testid="alert-check-value">
        {t('reports.alerts.check.value', { value })}
      </Typography.Text>
    </Space>
  );
}

/** When an alert ran and fired, and (change conditions) the caller's values it stored. */
function AlertHistory({ alert, titles, definition }: { alert: ReportAlert; titles: Map<string, string>; definition?: ReportDefinition }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const format = useValueFormat(definition, alert.condition.value);
  const [samples, setSamples] = useState<AlertSample[] | null>(null);
  const change = !!alert.condition.change;
  useEffect(() => {
    if (!change) return;
    const ctrl = new AbortController();
    alertsApi
      .samples(alert.id, ctrl.signal)
      .then((r) => setSamples(r.samples))
      .catch(() => !ctrl.signal.aborted && setSamples([]));
    return () => ctrl.abort();
  }, [alert.id, change]);
  const when = (v: string | null) => (v ? formatDateTime(v, fmt) : '—');
  return (
    <div data-testid={`alert-history-${alert.id}`}>
      <Descriptions size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('reports.rules.recipients')}>{recipientsText(alert.recipients, titles) || t('reports.rules.onlyOwner')}</Descriptions.Item>
        <Descriptions.Item label={t('reports.rules.nextRun')}>{alert.active ? when(alert.next_run_at) : t('reports.rules.off')}</Descriptions.Item>
        <Descriptions.Item label={t('reports.alerts.lastRun')}>{when(alert.last_run_at)}</Descriptions.Item>
        <Descriptions.Item label={t('reports.alerts.lastFired')}>{when(alert.last_fired_at)}</Descriptions.Item>
      </Descriptions>
      {change &&
        (samples === null ? (
          <Skeleton active paragraph={{ rows: 2 }} />
        ) : (
          <List
            size="small"
            header={<Typography.Text strong>{t('reports.alerts.samples')}</Typography.Text>}
            locale={{ emptyText: t('reports.alerts.noSamples') }}
            dataSource={samples}
            data-testid={`alert-samples-${alert.id}`}
            renderItem={(s) => (
              <List.Item>
                <span className="ky-num">{formatDateTime(s.taken_at, fmt)}</span>
                <strong className="ky-num">{s.value === null ? t('reports.alerts.noValue') : format(s.value)}</strong>
              </List.Item>
            )}
          />
        ))}
    </div>
  );
}

interface AlertsProps {
  alerts: ReportAlert[];
  /** The reports the alerts are on; with `showReport`, a column names and links each. */
  reports: Map<string, ReportInfo>;
  showReport?: boolean;
  titles: Map<string, string>;
  onEdit: (alert: ReportAlert) => void;
  onChanged: () => void;
}

export function AlertsTable({ alerts, reports, showReport, titles, onEdit, onChanged }: AlertsProps) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const user = useCurrentUser();
  const valueLabel = useValueLabel(reports);
  const [checks, setChecks] = useState<Record<string, CheckResult>>({});
  const [busy, setBusy] = useState<string | null>(null);

  const check = async (a: ReportAlert) => {
    setBusy(a.id);
    try {
      const result = await alertsApi.check(a.id);
      setChecks((c) => ({ ...c, [a.id]: result }));
    } catch (e) {
      message.error(errorMessage(e, t));
    } finally {
      setBusy(null);
    }
  };
  const toggle = async (a: ReportAlert, active: boolean) => {
    try {
      await alertsApi.update(a.id, { active });
      message.success(active ? t('reports.rules.switchedOn') : t('reports.rules.switchedOff'));
      onChanged();
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };
  const remove = (a: ReportAlert) =>
    modal.confirm({
      title: t('reports.alerts.deleteConfirm', { name: a.name }),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await alertsApi.remove(a.id);
          message.success(t('reports.rules.deleted'));
          onChanged();
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });

  const columns: ColumnsType<ReportAlert> = [
    {
      key: 'name',
      title: t('reports.alerts.name'),
      render: (_, a) => (
        <div data-testid={`alert-${a.id}`}>
          <Typography.Text strong>{a.name}</Typography.Text>
          <div className="ky-rule-detail">{describeCondition(a.condition, valueLabel(a.report_id, a.condition.value), t)}</div>
          {checks[a.id] && (
            <div data-testid={`alert-check-${a.id}`}>
              <CheckOutcome result={checks[a.id]} definition={reports.get(a.report_id)?.definition} value={a.condition.value} />
            </div>
          )}
        </div>
      ),
    },
    ...(showReport ? [reportColumn<ReportAlert>(reports, t('reports.rules.report'))] : []),
    {
      key: 'schedule',
      title: t('reports.schedule.label'),
      render: (_, a) => describeSchedule(a.schedule, t),
    },
    ...(user?.is_admin ? [ownerColumn<ReportAlert>(titles, t('reports.col.owner'))] : []),
    {
      key: 'active',
      title: t('reports.rules.active'),
      width: 90,
      render: (_, a) => <Switch size="small" checked={a.active} onChange={(on) => void toggle(a, on)} data-testid={`alert-active-${a.id}`} aria-label={t('reports.rules.active')} />,
    },
    {
      key: 'actions',
      width: 150,
      render: (_, a) => (
        <Space size={0}>
          <Tooltip title={t('reports.alerts.checkHelp')}>
            <Button size="small" type="link" icon={<ThunderboltOutlined />} loading={busy === a.id} onClick={() => void check(a)} data-testid={`alert-check-now-${a.id}`}>
              {t('reports.alerts.checkNow')}
            </Button>
          </Tooltip>
          <Button size="small" type="text" icon={<EditOutlined />} onClick={() => onEdit(a)} aria-label={t('common.edit')} data-testid={`alert-edit-${a.id}`} />
          <Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => remove(a)} aria-label={t('common.delete')} data-testid={`alert-delete-${a.id}`} />
        </Space>
      ),
    },
  ];
  return (
    <Table<ReportAlert>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={alerts}
      pagination={false}
      expandable={{ expandedRowRender: (a) => <AlertHistory alert={a} titles={titles} definition={reports.get(a.report_id)?.definition} /> }}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.alerts.none')} /> }}
      data-testid="alerts-table"
    />
  );
}

function reportColumn<R extends { report_id: string }>(reports: Map<string, ReportInfo>, title: string) {
  return {
    key: 'report',
    title,
    render: (_: unknown, r: R) => <Link to={`/reports/${encodeURIComponent(r.report_id)}`}>{reports.get(r.report_id)?.name || r.report_id}</Link>,
  };
}

function ownerColumn<R extends { owner_id: string | null }>(titles: Map<string, string>, title: string) {
  return { key: 'owner', title, render: (_: unknown, r: R) => (r.owner_id ? (titles.get(r.owner_id) ?? r.owner_id) : '') };
}

interface SubscriptionsProps {
  subscriptions: ReportSubscription[];
  reports: Map<string, ReportInfo>;
  showReport?: boolean;
  titles: Map<string, string>;
  onEdit: (sub: ReportSubscription) => void;
  onChanged: () => void;
}

export function SubscriptionsTable({ subscriptions, reports, showReport, titles, onEdit, onChanged }: SubscriptionsProps) {
  const { t } = useI18n();
  const { message, modal } = App.useApp();
  const user = useCurrentUser();
  const fmt = useFormatSettings();

  const toggle = async (s: ReportSubscription, active: boolean) => {
    try {
      await subscriptionsApi.update(s.id, { active });
      message.success(active ? t('reports.rules.switchedOn') : t('reports.rules.switchedOff'));
      onChanged();
    } catch (e) {
      message.error(errorMessage(e, t));
    }
  };
  const remove = (s: ReportSubscription) =>
    modal.confirm({
      title: t('reports.subs.deleteConfirm'),
      okText: t('common.delete'),
      okButtonProps: { danger: true },
      cancelText: t('common.cancel'),
      onOk: async () => {
        try {
          await subscriptionsApi.remove(s.id);
          message.success(t('reports.rules.deleted'));
          onChanged();
        } catch (e) {
          message.error(errorMessage(e, t));
        }
      },
    });

  const columns: ColumnsType<ReportSubscription> = [
    ...(showReport ? [reportColumn<ReportSubscription>(reports, t('reports.rules.report'))] : []),
    {
      key: 'schedule',
      title: t('reports.schedule.label'),
      render: (_, s) => (
        <div data-testid={`subscription-${s.id}`}>
          {describeSchedule(s.schedule, t)}
          <div className="ky-rule-detail">{recipientsText(s.recipients, titles) || t('reports.rules.onlyOwner')}</div>
        </div>
      ),
    },
    { key: 'format', title: t('reports.subs.format'), render: (_, s) => <Tag>{t(`reports.subs.format.${s.format}` as MessageKey)}</Tag> },
    ...(user?.is_admin ? [ownerColumn<ReportSubscription>(titles, t('reports.col.owner'))] : []),
    {
      key: 'sent',
      title: t('reports.subs.lastSent'),
      render: (_, s) => <span className="ky-num">{s.last_sent_at ? formatDateTime(s.last_sent_at, fmt) : '—'}</span>,
    },
    {
      key: 'next',
      title: t('reports.rules.nextRun'),
      render: (_, s) => <span className="ky-num">{s.active ? (s.next_run_at ? formatDateTime(s.next_run_at, fmt) : '—') : t('reports.rules.off')}</span>,
    },
    {
      key: 'active',
      title: t('reports.rules.active'),
      width: 90,
      render: (_, s) => <Switch size="small" checked={s.active} onChange={(on) => void toggle(s, on)} data-testid={`subscription-active-${s.id}`} aria-label={t('reports.rules.active')} />,
    },
    {
      key: 'actions',
      width: 80,
      render: (_, s) => (
        <Space size={0}>
          <Button size="small" type="text" icon={<EditOutlined />} onClick={() => onEdit(s)} aria-label={t('common.edit')} data-testid={`subscription-edit-${s.id}`} />
          <Button size="small" type="text" danger icon={<DeleteOutlined />} onClick={() => remove(s)} aria-label={t('common.delete')} data-testid={`subscription-delete-${s.id}`} />
        </Space>
      ),
    },
  ];
  return (
    <Table<ReportSubscription>
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={subscriptions}
      pagination={false}
      locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('reports.subs.none')} /> }}
      data-testid="subscriptions-table"
    />
  );
}

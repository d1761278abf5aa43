/**
 * Target attainment as a list of progress bars: per department and rep, actual against target,
 * the percentage, and whether the pace so far reaches the target ("on track").
 *
 * `AttainmentList` draws an answer of GET /api/v1/analytics/targets/attainment; `AttainmentWidget`
 * fetches one for a metric and period type (the current period unless told) — what a dashboard's
 * target widget shows, narrowed by the dashboard's department or person. Numbers are the
 * server's decimal strings, formatted without `Number`.
 */
import '../i18n/targets';
import './targets.css';
import { ApartmentOutlined, UserOutlined, WarningOutlined } from '@ant-design/icons';
import { Empty, Progress, Skeleton, Tag, Tooltip } from 'antd';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorResult } from '../components/Status';
import { useI18n } from '../i18n';
import { usePainted } from '../lib/afterPaint';
import { compare, formatDecimal, formatMoney, roundHalfUp } from '../lib/decimal';
import { todayIn } from '../lib/format';
import { useFormatSettings } from '../state/session';
import { MONEY_METRICS, targetsApi, type Attainment, type AttainmentRow, type Metric } from './api';
import { periodContaining, periodLabel, type PeriodType } from './periods';

/** How a value of the metric reads: money in the answer's currency, else a count. */
export function formatValue(value: string | null | undefined, metric: Metric, currency?: string | null): string {
  if (value === null || value === undefined) return '—';
  return MONEY_METRICS.has(metric) ? formatMoney(value, currency ?? 'CNY') : formatDecimal(value);
}

/** The bar's fill (0–100) for an attainment percentage; null without a target. */
export function barPercent(row: AttainmentRow): number | null {
  if (row.attainment_percent === null) return null;
  if (compare(row.attainment_percent, '100') >= 0) return 100;
  return Math.max(0, Number(roundHalfUp(row.attainment_percent, 1)));
}

export interface AttainmentListProps {
  data: Attainment;
  /** Fewer details per row (a dashboard widget): no gap and projection line. */
  compact?: boolean;
  /** Leave department rows out (a ranking of reps). */
  usersOnly?: boolean;
  /** This person's row only (a dashboard filtered to one person). */
  user?: string | null;
}

export function AttainmentList({ data, compact = false, usersOnly = false, user = null }: AttainmentListProps) {
  const { t } = useI18n();
  const rows = data.rows.filter((r) => (user ? r.kind === 'user' && r.id === user : !usersOnly || r.kind === 'user'));
  const value = (v: string | null | undefined) => formatValue(v, data.metric, data.currency);
  // Money in other currencies is converted at today's rates; one without a rate is left out.
  const missing = (data.warnings ?? []).map((w) => t('targets.rateMissing', { currency: w.currency, base: data.currency ?? '' }));
  const warned = missing.length ? (
    <div className="ky-attainment-warning" role="note" data-testid="attainment-rate-missing">
      <WarningOutlined /> {missing.join(' ')}
    </div>
  ) : null;
  if (!rows.length)
    return (
      <>
        {warned}
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('targets.noRows')} />
      </>
    );
  return (
    <>
      {warned}
      <ul className={`ky-attainment${compact ? ' is-compact' : ''}`} data-testid="attainment-list">
        {rows.map((r) => {
          const fill = barPercent(r);
          return (
            <li key={`${r.kind}:${r.id}`} className={`ky-attainment-row is-${r.kind}`} data-testid={`attainment-${r.kind}-${r.id}`}>
              <div className="ky-attainment-head">
                <span className="ky-attainment-name">
                  {r.kind === 'department' ? <ApartmentOutlined /> : <UserOutlined />} {r.name}
                </span>
                <span className="ky-attainment-figures ky-num">
                  <span data-testid="attainment-actual">{value(r.actual)}</span>
                  {' / '}
                  <span data-testid="attainment-target">{r.target === null ? t('targets.noTarget') : value(r.target)}</span>
                </span>
                {r.on_track === null ? null : r.on_track ? (
                  <Tag color="green" data-testid="attainment-on-track">
                    {t('targets.onTrack')}
                  </Tag>
                ) : (
                  <Tag color="orange" data-testid="attainment-behind">
                    {t('targets.behind')}
                  </Tag>
                )}
              </div>
              {fill !== null && (
                <Progress
                  percent={fill}
                  size="small"
                  status={r.on_track === false ? 'exception' : compare(r.attainment_percent, '100') >= 0 ? 'success' : 'normal'}
                  format={() => `${r.attainment_percent}%`}
                  aria-label={`${r.name} ${r.attainment_percent}%`}
                />
              )}
              {!compact && r.target !== null && (
                <div className="ky-attainment-more">
                  <span>
                    {t('targets.gap')}: <span className="ky-num">{value(r.gap)}</span>
                  </span>
                  {r.projected !== null && (
                    <Tooltip title={t('targets.elapsed', { percent: data.period.elapsed_percent })}>
                      <span>
                        {t('targets.projected')}: <span className="ky-num">{value(r.projected)}</span>
                      </span>
                    </Tooltip>
                  )}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

export interface AttainmentWidgetProps {
  metric: Metric;
  periodType: PeriodType;
  /** The period's first day; the period that contains today when left out. */
  periodStart?: string;
  department?: string | null;
  compact?: boolean;
  usersOnly?: boolean;
  /** This person's row only. */
  user?: string | null;
  /** How a failed request shows (a dashboard widget has its own small problem line). */
  problem?: (error: unknown) => ReactNode;
  /** Called once the list is on screen (a dashboard widget's paint mark). */
  onPainted?: () => void;
}

/** Fetch and draw the attainment of one metric and period (a dashboard's target widget). */
export function AttainmentWidget({ metric, periodType, periodStart, department, compact = true, usersOnly, user, problem, onPainted }: AttainmentWidgetProps) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [data, setData] = useState<Attainment | null>(null);
  const [fiscalStart, setFiscalStart] = useState(1);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    (async () => {
      const fs = await targetsApi.fiscalStart(ctrl.signal);
      const start = periodStart ?? periodContaining(todayIn(fmt.timeZone), periodType, fs);
      const answer = await targetsApi.attainment({ metric, period_type: periodType, period_start: start, department }, ctrl.signal);
      setFiscalStart(fs);
      setData(answer);
    })().catch((e) => {
      if (!ctrl.signal.aborted) setError(e);
    });
    return () => ctrl.abort();
  }, [metric, periodType, periodStart, department, fmt.timeZone]);
  usePainted(onPainted, !!data && !error);

  if (error) return problem ? problem(error) : <ErrorResult error={error} />;
  if (!data) return <Skeleton active paragraph={{ rows: 3 }} />;
  return (
    <div className="ky-attainment-widget" data-testid="attainment-widget">
      <div className="ky-attainment-period">
        {t(`targets.metric.${data.metric}`)} · {periodLabel(data.period.start, data.period_type, fiscalStart)} ·{' '}
        {t('targets.elapsed', { percent: data.period.elapsed_percent })}
      </div>
      <AttainmentList data={data} compact={compact} usersOnly={usersOnly} user={user} />
    </div>
  );
}

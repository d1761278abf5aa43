/**
 * A target attainment widget: for the widget's metric and the current period of its type, each
 * person's (or department's) actual against their target, as the attainment API computes it
 * with the reader's access (a rep sees their own row).
 *
 * The dashboard's owner filter narrows it: a department is asked for as such; a user picks
 * that person's row. The period is the one containing today in the tenant's calendar
 * (quarters and years fiscal, per the analytics settings).
 */
import { Progress, Skeleton, Tag } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { usePainted } from '../lib/afterPaint';
import { formatMoney } from '../lib/decimal';
import { formatInteger, formatPercent, todayIn, toNumber } from '../lib/format';
import { useFormatSettings } from '../state/session';
import { dashboardsApi, type Attainment, type DashboardFilters, type PeriodType, type TargetMetric } from './api';
import { periodStart } from './filters';
import { WidgetProblem } from './WidgetProblem';

const MONEY_METRICS = new Set<TargetMetric>(['won_amount', 'payments_received']);

let fiscalStart: Promise<number> | null = null;
/** The tenant's fiscal start month, asked once per page load (January when it cannot be read). */
function fiscalStartMonth(): Promise<number> {
  fiscalStart ??= dashboardsApi
    .analyticsSettings()
    .then((s) => s.fiscal_year_start_month || 1)
    .catch(() => 1);
  return fiscalStart;
}

/** For tests: forget the cached fiscal start month. */
export function resetFiscalStart(): void {
  fiscalStart = null;
}

interface Props {
  metric: TargetMetric;
  periodType: PeriodType;
  filters: DashboardFilters;
  /** Called once the list is on screen (the widget's paint mark). */
  onPainted?: () => void;
}

export function TargetWidget({ metric, periodType, filters, onPainted }: Props) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [data, setData] = useState<Attainment | null>(null);
  const [error, setError] = useState<unknown>(null);
  const owner = filters.owner ?? null;
  const department = owner && 'department' in owner ? owner.department : null;
  const user = owner && 'user' in owner ? owner.user : null;

  useEffect(() => {
    const ctrl = new AbortController();
    setData(null);
    setError(null);
    fiscalStartMonth()
      .then((start) =>
        dashboardsApi.attainment(
          { metric, period_type: periodType, period_start: periodStart(periodType, todayIn(fmt.timeZone), start), department },
          ctrl.signal,
        ),
      )
      .then((found) => {
        if (!ctrl.signal.aborted) setData(found);
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [metric, periodType, department, fmt.timeZone]);
  usePainted(onPainted, !!data);

  if (error) {
    const status = error instanceof ApiError ? error.status : 0;
    return <WidgetProblem status={status} code={error instanceof ApiError ? error.code : null} />;
  }
  if (!data) return <Skeleton active paragraph={{ rows: 3 }} />;

  const amount = (v: unknown) =>
    v === null || v === undefined || v === '' ? '—' : MONEY_METRICS.has(metric) ? formatMoney(String(v), fmt.currency) : formatInteger(v, fmt);
  const rows = user ? data.rows.filter((r) => r.kind === 'user' && r.id === user) : data.rows;
  return (
    <div className="ky-target" data-testid="target-widget">
      <div className="ky-dash-note">
        {t(`dashboards.periodType.${periodType}` as MessageKey)} · {data.period.start} – {data.period.end}
      </div>
      {rows.length === 0 ? (
        <div className="ky-dash-empty">{t('dashboards.target.none')}</div>
      ) : (
        <ul className="ky-target-rows">
          {rows.map((r) => {
            const pct = toNumber(r.attainment_percent);
            return (
              <li key={`${r.kind}:${r.id}`} className={r.kind === 'department' ? 'is-department' : undefined} data-testid={`target-row-${r.id}`}>
                <div className="ky-target-head">
                  <span className="ky-target-name">{r.name}</span>
                  {r.on_track !== null && (
                    <Tag color={r.on_track ? 'green' : 'orange'}>{r.on_track ? t('dashboards.target.onTrack') : t('dashboards.target.behind')}</Tag>
                  )}
                </div>
                <Progress
                  percent={pct === null ? 0 : Math.min(100, pct)}
                  size="small"
                  status={pct !== null && pct >= 100 ? 'success' : 'normal'}
                  format={() => (pct === null ? '—' : formatPercent(pct, fmt, 1))}
                />
                <div className="ky-dash-note">{t('dashboards.target.actualOf', { actual: amount(r.actual), target: amount(r.target) })}</div>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

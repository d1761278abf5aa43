/**
 * A KPI: one number, how far it is towards a target, and which way it went since the previous
 * period. Reports draw it from their grand total; dashboards from their KPI widgets' answers
 * ({value, target, previous, trend_percent}).
 *
 * Its progress bar is a plain element, not antd's Progress: every antd component is bundled
 * into the chunk a first page loads, and this card is only ever loaded with reports.
 */
import '../i18n/reports';
import './charts.css';
import { ArrowDownOutlined, ArrowUpOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n';
import { toNumber } from '../lib/format';

export interface KpiCardProps {
  title?: string;
  value: number | string | null | undefined;
  target?: number | string | null;
  previous?: number | string | null;
  /** The server's change since the previous period, in percent; computed from `previous` when absent. */
  trendPercent?: number | string | null;
  /** The value's text (money in the tenant's currency, a count, a percent). */
  format: (value: unknown) => string;
}

/** Percent of `target` reached (null without a positive target). */
export function attainment(value: number | null, target: number | null): number | null {
  if (value === null || target === null || target <= 0) return null;
  return Math.round((value / target) * 1000) / 10;
}

/** Change from `previous` to `value` in percent (null when there is nothing to compare with). */
export function trend(value: number | null, previous: number | null): number | null {
  if (value === null || previous === null || previous === 0) return null;
  return Math.round(((value - previous) / Math.abs(previous)) * 1000) / 10;
}

export function KpiCard({ title, value, target, previous, trendPercent, format }: KpiCardProps) {
  const { t } = useI18n();
  const v = toNumber(value);
  const goal = toNumber(target);
  const reached = attainment(v, goal);
  const change = toNumber(trendPercent) ?? trend(v, toNumber(previous));
  const direction = change === null ? null : change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  return (
    <div className="ky-kpi-card" data-testid="kpi-card">
      {title && <div className="ky-kpi-title">{title}</div>}
      <div className="ky-kpi-value" data-testid="kpi-value">
        {format(value)}
      </div>
      {direction && (
        <div className={`ky-kpi-trend is-${direction}`} data-testid="kpi-trend">
          {direction === 'up' ? <ArrowUpOutlined /> : direction === 'down' ? <ArrowDownOutlined /> : null}{' '}
          {t('reports.kpi.trend', { percent: `${change! > 0 ? '+' : ''}${change}%` })}
        </div>
      )}
      {reached !== null && (
        <div className="ky-kpi-target" data-testid="kpi-target">
          <div className={`ky-kpi-bar${reached >= 100 ? ' is-reached' : ''}`} role="progressbar" aria-valuenow={reached} aria-valuemin={0} aria-valuemax={100}>
            <div style={{ width: `${Math.min(reached, 100)}%` }} />
          </div>
          <span>{t('reports.kpi.ofTarget', { percent: `${reached}%`, target: format(goal) })}</span>
        </div>
      )}
    </div>
  );
}

/**
 * A KPI widget: one number of a report's totals, how far it is towards its target, and an
 * arrow for how it moved since the previous period (same length, one period back).
 */
import { ArrowDownOutlined, ArrowRightOutlined, ArrowUpOutlined } from '@ant-design/icons';
import { Progress } from 'antd';
import { useI18n } from '../i18n';
import { usePainted } from '../lib/afterPaint';
import { formatPercent } from '../lib/format';
import { useFormatSettings } from '../state/session';
import type { KpiResult } from './api';
import { formatValue } from './format';
import { targetPercent, trendOf } from './kpi';

export function KpiCard({ result, comparing, onPainted }: { result: KpiResult; comparing: boolean; onPainted?: () => void }) {
  const { t } = useI18n();
  usePainted(onPainted);
  const fmt = useFormatSettings();
  const column = result.column ?? undefined;
  const percent = targetPercent(result.value, result.target);
  const trend = comparing ? trendOf(result) : null;
  const reached = percent !== null && percent >= 100;
  return (
    <div className="ky-kpi-card" data-testid="kpi-card">
      <div className="ky-kpi-number" data-testid="kpi-value">
        {formatValue(result.value, column, fmt)}
      </div>
      {percent !== null && (
        <div className="ky-kpi-target" data-testid="kpi-target">
          <Progress
            percent={Math.min(100, percent)}
            size="small"
            status={reached ? 'success' : 'normal'}
            format={() => formatPercent(percent, fmt, 1)}
            aria-label={t('dashboards.kpi.progress')}
          />
          <div className="ky-dash-note">{t('dashboards.kpi.target', { target: formatValue(result.target, column, fmt) })}</div>
        </div>
      )}
      {comparing && (
        <div className={`ky-kpi-trend ky-kpi-trend-${trend?.trend ?? 'none'}`} data-testid="kpi-trend">
          {trend ? (
            <>
              {trend.trend === 'up' ? <ArrowUpOutlined aria-label={t('dashboards.kpi.up')} /> : trend.trend === 'down' ? <ArrowDownOutlined aria-label={t('dashboards.kpi.down')} /> : <ArrowRightOutlined aria-label={t('dashboards.kpi.flat')} />}
              <span>
                {trend.percent !== null ? ` ${formatPercent(Math.abs(trend.percent), fmt, 2)} ` : ' '}
                {t('dashboards.kpi.vsPrevious', { previous: formatValue(result.previous, column, fmt) })}
              </span>
            </>
          ) : (
            <span>{t('dashboards.kpi.noPrevious')}</span>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * A report's result on screen: its chart (ECharts, loaded when first drawn; a KPI card) above
 * its table. Used by the report page and the builder's preview.
 */
import { Alert, Skeleton } from 'antd';
import { lazy, Suspense, useMemo } from 'react';
import type { RecordData } from '../api/types';
import { KpiCard } from '../charts/KpiCard';
import { kpiValue, reportChartOption } from '../charts/reportChart';
import { measureLabel, valueColumn } from '../charts/reportLabels';
import type { EChartClick } from '../charts/EChart';
import { useI18n } from '../i18n';
import { useMetadata } from '../state/metadata';
import type { ChartSpec, GroupKey, ReportResult } from './api';
import { usePainted } from '../lib/afterPaint';
import { keyTitle, MatrixTable, RecordsTable, SummaryTable, type Drill } from './ResultTables';
import type { ReportFormat } from './useReportFormat';

const loadEChart = () => import('../charts/EChart');
const EChart = lazy(loadEChart);

/** Start fetching the chart module before a chart is drawn (a dashboard, while its widgets
 * run: the ~180 kB of ECharts then arrives with their numbers rather than after them). */
export function preloadEChart(): void {
  void loadEChart();
}

interface Props {
  result: ReportResult;
  chart: ChartSpec | null;
  format: ReportFormat;
  onDrill?: Drill;
  /** A tabular report's rows so far (more pages appended) and the way to ask for the next. */
  records?: RecordData[];
  onMore?: () => void;
  loadingMore?: boolean;
}

interface ChartProps {
  result: ReportResult;
  chart: ChartSpec;
  format: ReportFormat;
  onDrill?: Drill;
  height?: number;
  /** Called once the chart (or KPI card) is on screen: a dashboard widget's paint mark. */
  onPainted?: () => void;
}

export function ReportChart({ result, chart, format, onDrill, height = 320, onPainted }: ChartProps) {
  const { lang } = useI18n();
  const option = useMemo(() => reportChartOption(result, chart, format.locale, format.currency), [result, chart, format]);
  // Painted once drawn with its final labels: a canvas tells when it is drawn (EChart); a KPI
  // card, or nothing to draw, is on screen with the paint after this render.
  const painted = format.labelled ? onPainted : undefined;
  usePainted(chart.type === 'kpi' || !option ? painted : undefined);
  if (chart.type === 'kpi') {
    const title = measureLabel(valueColumn(result.columns, chart.value ?? ''), chart.value ?? '', lang);
    return (
      <KpiCard
        title={title}
        value={kpiValue(result.totals, chart.value)}
        target={chart.target}
        format={(v) => format.value(chart.value ?? 'count', v)}
      />
    );
  }
  if (!option) return null;
  const click = onDrill
    ? (e: EChartClick) => {
        const key = (e.data as { key?: GroupKey } | null)?.key;
        if (key && Object.keys(key).length) onDrill(key, keyTitle(key, result.columns, format));
      }
    : undefined;
  return (
    <div className="ky-report-chart" data-testid="report-chart">
      <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
        <EChart option={option} height={height} onClick={click} onPainted={painted} />
      </Suspense>
    </div>
  );
}

/** A measured field's label, as the result's columns give it in the reader's language. */
function fieldLabel(result: ReportResult, field: string): string {
  return result.columns.find((c) => c.kind === 'aggregate' && c.field === field)?.field_label ?? field;
}

export function ReportResultView({ result, chart, format, onDrill, records, onMore, loadingMore }: Props) {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const truncated = result.type !== 'tabular' && result.truncated;
  return (
    <div className="ky-report-result">
      {chart && chart.type !== 'table' && <ReportChart result={result} chart={chart} format={format} onDrill={onDrill} />}
      {truncated && <Alert type="warning" showIcon message={t('reports.truncated')} className="ky-report-alert" data-testid="report-truncated" />}
      {(result.warnings ?? []).map((w) => (
        <Alert
          key={`${w.field}:${w.currency}`}
          type="warning"
          showIcon
          message={t('reports.rateMissing', { currency: w.currency, field: fieldLabel(result, w.field), base: result.currency ?? '' })}
          className="ky-report-alert"
          data-testid="report-rate-missing"
        />
      ))}
      {result.type === 'summary' && <SummaryTable result={result} format={format} onDrill={onDrill} />}
      {result.type === 'matrix' && <MatrixTable result={result} format={format} onDrill={onDrill} />}
      {result.type === 'tabular' && (
        <RecordsTable result={result} records={records ?? result.records} object={getObject(result.object)} format={format} onMore={onMore} loadingMore={loadingMore} />
      )}
    </div>
  );
}

/**
 * How a report widget draws its result: the one place the dashboard reaches the chart
 * renderer — the reports screens' `ReportChart` (bars, lines, pies, funnels, KPI cards) when
 * the widget or its report has a chart, else a compact table of the groups and totals.
 */
import { ReportChart } from '../reports/ReportResultView';
import type { ChartSpec, ReportResult as FullResult } from '../reports/api';
import { useReportFormat } from '../reports/useReportFormat';
import type { ChartConfig, ReportResult } from './api';
import { ResultTable } from './ResultTable';

export interface WidgetChartProps {
  result: ReportResult;
  /** The widget's own chart, else its report's (null: a table). */
  chart: ChartConfig | null;
  /** Pixels the chart may use (the widget's body). */
  height: number;
}

export function WidgetChart({ result, chart, height }: WidgetChartProps) {
  const full = result as unknown as FullResult;
  const format = useReportFormat(full);
  if (!chart || chart.type === 'table' || full.type === 'tabular') return <ResultTable result={result} />;
  return <ReportChart result={full} chart={chart as unknown as ChartSpec} format={format} height={height} />;
}

/**
 * How a report widget draws its result: the one place the dashboard reaches the chart
 * renderer — the reports screens' `ReportChart` (bars, lines, pies, funnels, KPI cards) when
 * the widget or its report has a chart, else a compact table of the groups and totals.
 *
 * The groups come in the order the report's own screens show them (`inOptionOrder`): the server
 * orders picklist keys by stored value, so a funnel of stages would otherwise read
 * "commitment, lost, proposal…" on the dashboard and "prospecting, qualification…" in the report.
 */
import { useMemo } from 'react';
import { ReportChart } from '../reports/ReportResultView';
import type { ChartSpec, ReportResult as FullResult, ReportSort } from '../reports/api';
import { inOptionOrder } from '../reports/pivot';
import { useReportFormat } from '../reports/useReportFormat';
import type { ChartConfig, ReportResult } from './api';
import { ResultTable } from './ResultTable';

export interface WidgetChartProps {
  result: ReportResult;
  /** The widget's own chart, else its report's (null: a table). */
  chart: ChartConfig | null;
  /** The report's sort (a sort on a value keeps the server's ranking). */
  sort?: ReportSort[];
  /** Pixels the chart may use (the widget's body). */
  height: number;
  /** Called once the chart or table is on screen (the widget's paint mark). */
  onPainted?: () => void;
}

const NO_SORT: ReportSort[] = [];

export function WidgetChart({ result, chart, sort, height, onPainted }: WidgetChartProps) {
  const full = useMemo(() => inOptionOrder(result as unknown as FullResult, sort ?? NO_SORT), [result, sort]);
  const table = !chart || chart.type === 'table' || full.type === 'tabular';
  // A table names its records itself (ResultTable): the chart's labels would ask again.
  const format = useReportFormat(table ? null : full);
  if (table) return <ResultTable result={full as unknown as ReportResult} onPainted={onPainted} />;
  return <ReportChart result={full} chart={chart as unknown as ChartSpec} format={format} height={height} onPainted={onPainted} />;
}

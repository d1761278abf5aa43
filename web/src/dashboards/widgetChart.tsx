/**
 * How a report widget draws its result: the one place the dashboard reaches the chart
 * renderer. Today a compact table of the groups and totals; the reports screens' `ReportChart`
 * (web/src/reports/) takes the same result and chart config and replaces the body below.
 */
import type { ChartConfig, ReportResult } from './api';
import { ResultTable } from './ResultTable';

export interface WidgetChartProps {
  result: ReportResult;
  /** The widget's own chart, else its report's (null: a table). */
  chart: ChartConfig | null;
  /** Pixels the chart may use (the widget's body). */
  height: number;
}

export function WidgetChart({ result }: WidgetChartProps) {
  return <ResultTable result={result} />;
}

/**
 * One widget on the grid: its title bar (the drag handle in edit mode, with rename and remove)
 * and its body — a report's result, a KPI card or target attainment — each with its own
 * loading state and its own error.
 */
import { DeleteOutlined, HolderOutlined, WarningOutlined } from '@ant-design/icons';
import { Button, Skeleton, Tooltip, Typography } from 'antd';
import { useCallback, useRef } from 'react';
import { ApiError } from '../api/client';
import { useI18n } from '../i18n';
import { AttainmentWidget } from '../targets';
import { MAX_TITLE, type DashboardFilters, type KpiResult, type Label, type RateWarning, type ReportResult, type Widget, type WidgetRun } from './api';
import { widgetTitle } from './format';
import { KpiCard } from './KpiCard';
import { isKpiResult } from './kpi';
import { heightPx } from './layout';
import { WidgetChart } from './widgetChart';
import { WidgetProblem } from './WidgetProblem';

/** Pixels of a widget's title bar and padding: its body gets the rest of its height. */
const CHROME_PX = 52;

/**
 * The performance mark a widget sets when its content (chart, table, card) is first on screen:
 * `keyi-widget-painted:<widget id>`, for whoever times a dashboard (bench.dashboard_load, the
 * browser's performance panel). A mark, not Element Timing: the browser reports the paint of
 * images and text, not of a canvas, and most widgets are ECharts canvases.
 */
export const WIDGET_PAINTED = 'keyi-widget-painted:';

interface Props {
  widget: Widget;
  /** This widget's part of the last run (undefined: not run yet, or added since). */
  run: WidgetRun | undefined;
  /** A run with the current filters is on its way. */
  running: boolean;
  filters: DashboardFilters;
  /** The report's name when the widget has not been run (just added). */
  reportName?: Label | null;
  editing?: boolean;
  onRemove?: () => void;
  onRename?: (title: string) => void;
}

function targetProblem(error: unknown) {
  return <WidgetProblem status={error instanceof ApiError ? error.status : 0} code={error instanceof ApiError ? error.code : null} />;
}

type BodyProps = Pick<Props, 'widget' | 'run' | 'running' | 'filters'> & { onPainted: () => void };

function WidgetBody({ widget, run, running, filters, onPainted }: BodyProps) {
  const { t } = useI18n();
  if (widget.kind === 'target') {
    if (!widget.metric || !widget.period_type) return <WidgetProblem status={422} />;
    // The targets screen's list, for the dashboard's department (asked of the server) or
    // person (their row), in the current period of the widget's type.
    const owner = filters.owner ?? null;
    return (
      <AttainmentWidget
        metric={widget.metric}
        periodType={widget.period_type}
        department={owner && 'department' in owner ? owner.department : null}
        user={owner && 'user' in owner ? owner.user : null}
        problem={targetProblem}
        onPainted={onPainted}
      />
    );
  }
  if (!run) {
    if (running) return <Skeleton active paragraph={{ rows: widget.kind === 'kpi' ? 1 : 4 }} />;
    return <div className="ky-dash-empty">{t('dashboards.widget.unsaved')}</div>;
  }
  if (run.error) return <WidgetProblem status={run.error.status} code={run.error.code} />;
  if (!run.result) return <WidgetProblem status={500} />;
  const body =
    widget.kind === 'kpi' && isKpiResult(run.result) ? (
      <KpiCard result={run.result as KpiResult} comparing={widget.compare !== 'none'} onPainted={onPainted} />
    ) : (
      <WidgetChart
        result={run.result as ReportResult}
        chart={widget.chart ?? run.chart ?? null}
        sort={run.sort}
        height={heightPx(widget.h) - CHROME_PX}
        onPainted={onPainted}
      />
    );
  return (
    <>
      <div className={running ? 'ky-widget-stale' : undefined} aria-busy={running || undefined}>
        {body}
      </div>
      {!!run.filters_ignored?.length && (
        <div className="ky-dash-note" data-testid="filters-ignored">
          {t('dashboards.widget.filtersIgnored', { filters: run.filters_ignored.map((f) => t(`dashboards.filter.${f}` as 'dashboards.filter.period')).join(', ') })}
        </div>
      )}
    </>
  );
}

/** The money field's label as the answer names it (else its name). */
function moneyFieldLabel(result: ReportResult | KpiResult, field: string): string {
  const columns = 'columns' in result ? result.columns : 'column' in result && result.column ? [result.column] : [];
  return columns.find((c) => c.kind === 'aggregate' && c.field === field)?.field_label ?? field;
}

/** A small warning sign in the title bar when the answer left amounts out for want of an
 * exchange rate (the report's own screen says it in a banner). */
function RateWarnings({ run }: { run: WidgetRun | undefined }) {
  const { t } = useI18n();
  const result = run?.result as (ReportResult | KpiResult) | undefined;
  const warnings: RateWarning[] = (result && 'warnings' in result && result.warnings) || [];
  if (!result || warnings.length === 0) return null;
  const lines = warnings.map((w) =>
    t('dashboards.widget.rateMissing', { currency: w.currency, field: moneyFieldLabel(result, w.field), base: result.currency ?? '' }),
  );
  return (
    <Tooltip title={lines.map((line) => <div key={line}>{line}</div>)}>
      <WarningOutlined className="ky-widget-warning ky-widget-nodrag" aria-label={lines.join(' ')} role="img" data-testid="widget-rate-missing" />
    </Tooltip>
  );
}

export function WidgetCard({ widget, run, running, filters, reportName, editing, onRemove, onRename }: Props) {
  const { t, lang } = useI18n();
  const title = widgetTitle(widget, run, lang, t, reportName);
  const painted = useRef(false);
  const onPainted = useCallback(() => {
    if (painted.current) return;
    painted.current = true;
    performance.mark(WIDGET_PAINTED + widget.id);
  }, [widget.id]);
  return (
    <section className={`ky-widget ky-widget-${widget.kind}${editing ? ' is-editing' : ''}`} data-testid={`widget-${widget.id}`} aria-label={title}>
      <header className="ky-widget-head">
        {editing && <HolderOutlined className="ky-widget-grip" aria-hidden />}
        {editing && onRename ? (
          <Typography.Text
            className="ky-widget-title ky-widget-nodrag"
            editable={{ onChange: (v) => onRename(v.trim()), text: title, tooltip: t('dashboards.widget.rename'), maxLength: MAX_TITLE }}
          >
            {title}
          </Typography.Text>
        ) : (
          <span className="ky-widget-title">{title}</span>
        )}
        <RateWarnings run={run} />
        {editing && onRemove && (
          <Tooltip title={t('dashboards.widget.remove')}>
            <Button
              type="text"
              size="small"
              className="ky-widget-nodrag"
              icon={<DeleteOutlined />}
              onClick={onRemove}
              aria-label={t('dashboards.widget.remove')}
              data-testid={`widget-remove-${widget.id}`}
            />
          </Tooltip>
        )}
      </header>
      <div className="ky-widget-body">
        <WidgetBody widget={widget} run={run} running={running} filters={filters} onPainted={onPainted} />
      </div>
    </section>
  );
}

/** The report's chart: its type, what runs across (x) and as series, which value it draws, and
 * a KPI's target. */
import { Form, InputNumber, Select, Switch } from 'antd';
import { useI18n } from '../../i18n';
import { CHART_TYPES, type ChartSpec, type ChartType, type ReportDefinition } from '../api';
import { chartFits, proposeChart } from '../definition';
import { at, type Errors } from './errors';

interface Props {
  chart: ChartSpec | null;
  definition: ReportDefinition;
  /** Labels of the definition's groupings and values (by key). */
  groupingOptions: { value: string; label: string }[];
  valueOptions: { value: string; label: string }[];
  errors: Errors;
  onChange: (chart: ChartSpec | null) => void;
}

const WITH_SERIES: ChartType[] = ['bar', 'stacked_bar', 'line', 'area'];
const NONE = '';

export function ChartEditor({ chart, definition, groupingOptions, valueOptions, errors, onChange }: Props) {
  const { t } = useI18n();
  const grouped = definition.type !== 'tabular';
  // A tabular report has no groups to chart: a KPI of its totals, or none.
  const types = grouped ? CHART_TYPES : (['kpi'] as ChartType[]);
  const setType = (type: string) => onChange(type === NONE ? null : chartFits(proposeChart(type as ChartType, definition, chart), definition));
  const set = (patch: Partial<ChartSpec>) => chart && onChange({ ...chart, ...patch });
  return (
    <div data-testid="builder-chart">
      <Form.Item label={t('reports.builder.chartType')} {...at(errors, 'chart.type')} className="ky-builder-item">
        <Select
          value={chart?.type ?? NONE}
          onChange={setType}
          options={[{ value: NONE, label: t('reports.chart.none') }, ...types.map((c) => ({ value: c, label: t(`reports.chart.${c}`) }))]}
          data-testid="builder-chart-type"
        />
      </Form.Item>
      {chart && chart.type !== 'table' && chart.type !== 'kpi' && (
        <Form.Item label={t('reports.builder.chartX')} {...at(errors, 'chart.x')} className="ky-builder-item">
          <Select value={chart.x ?? undefined} onChange={(x: string) => set({ x })} options={groupingOptions} data-testid="builder-chart-x" />
        </Form.Item>
      )}
      {chart && WITH_SERIES.includes(chart.type) && (
        <Form.Item label={t('reports.builder.chartSeries')} {...at(errors, 'chart.series')} className="ky-builder-item">
          <Select
            value={chart.series ?? NONE}
            onChange={(s: string) => set({ series: s || null })}
            options={[{ value: NONE, label: t('reports.builder.noSeries') }, ...groupingOptions.filter((o) => o.value !== chart.x)]}
            data-testid="builder-chart-series"
          />
        </Form.Item>
      )}
      {chart && chart.type !== 'table' && (
        <Form.Item label={t('reports.builder.chartValue')} {...at(errors, 'chart.value')} className="ky-builder-item">
          <Select value={chart.value ?? undefined} onChange={(value: string) => set({ value })} options={valueOptions} data-testid="builder-chart-value" />
        </Form.Item>
      )}
      {chart && (chart.type === 'bar' || chart.type === 'stacked_bar') && (
        <Form.Item label={t('reports.builder.horizontal')} className="ky-builder-item">
          <Switch checked={!!chart.horizontal} onChange={(horizontal) => set({ horizontal })} data-testid="builder-chart-horizontal" />
        </Form.Item>
      )}
      {chart?.type === 'kpi' && (
        <Form.Item label={t('reports.builder.target')} {...at(errors, 'chart.target')} className="ky-builder-item">
          <InputNumber className="ky-fullwidth" value={chart.target ?? null} onChange={(v) => set({ target: v ?? null })} min={0} data-testid="builder-chart-target" />
        </Form.Item>
      )}
    </div>
  );
}

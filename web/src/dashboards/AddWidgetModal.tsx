/**
 * Adding a widget: a report (drawn with its chart), a KPI (one value of a report's totals, an
 * optional target, compared with the previous period) or target attainment (a metric over the
 * current month, quarter or year).
 */
import { Checkbox, Form, Input, InputNumber, Modal, Radio, Select } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n';
import { useMetadata } from '../state/metadata';
import { dashboardsApi, MAX_TITLE, PERIOD_TYPES, TARGET_METRICS, type Label, type PeriodType, type Report, type ReportSummary, type TargetMetric, type Widget, type WidgetKind } from './api';
import { labelText, resolvePath } from './format';

/** What the modal adds: a widget without its place (the page puts it below the others). */
export type NewWidget = Omit<Widget, 'id' | 'x' | 'y' | 'w' | 'h'>;

interface Values {
  kind: WidgetKind;
  report_id?: string;
  value?: string;
  target?: number | null;
  compare: boolean;
  metric: TargetMetric;
  period_type: PeriodType;
  title?: string;
}

/** An aggregate's value name, as the server spells it (`count`, `sum_amount`, `avg_account_employees`). */
export function valueName(aggregate: { op: string; field?: string | null }): string {
  if (aggregate.op === 'count' && !aggregate.field) return 'count';
  return `${aggregate.op}_${String(aggregate.field).replace(/\./g, '_')}`;
}

/** The widget the form's values describe (only the keys its kind takes). */
export function widgetFrom(values: Values): NewWidget {
  const title = values.title?.trim() || null;
  if (values.kind === 'target') return { kind: 'target', metric: values.metric, period_type: values.period_type, title };
  if (values.kind === 'kpi')
    return {
      kind: 'kpi',
      report_id: values.report_id,
      value: values.value ?? null,
      target: values.target ?? null,
      compare: values.compare ? 'previous_period' : 'none',
      title,
    };
  return { kind: 'report', report_id: values.report_id, title };
}

interface Props {
  open: boolean;
  onCancel: () => void;
  onAdd: (widget: NewWidget, reportName: Label | null) => void;
}

export function AddWidgetModal({ open, onCancel, onAdd }: Props) {
  const { t, lang, label } = useI18n();
  const { getObject } = useMetadata();
  const [form] = Form.useForm<Values>();
  const kind = Form.useWatch('kind', form) ?? 'report';
  const reportId = Form.useWatch('report_id', form);
  const [reports, setReports] = useState<ReportSummary[] | null>(null);
  const [report, setReport] = useState<Report | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    if (!open || reports) return;
    const ctrl = new AbortController();
    dashboardsApi
      .reports({}, ctrl.signal)
      .then((r) => setReports(r.reports))
      .catch(() => {
        if (!ctrl.signal.aborted) setFailed(true);
      });
    return () => ctrl.abort();
  }, [open, reports]);

  useEffect(() => {
    // A KPI's values are the report's aggregates: read its definition.
    setReport(null);
    if (!reportId || kind !== 'kpi') return;
    const ctrl = new AbortController();
    dashboardsApi
      .report(reportId, ctrl.signal)
      .then((r) => {
        setReport(r);
        const first = r.definition.aggregates?.[0];
        if (first && !form.getFieldValue('value')) form.setFieldValue('value', valueName(first));
      })
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [reportId, kind, form]);

  const reportOptions = useMemo(
    () =>
      (reports ?? []).map((r) => {
        const obj = getObject(r.object);
        return { value: r.id, label: `${labelText(r.name, lang)} · ${obj ? label(obj.plural_labels ?? obj.labels, obj.name) : r.object}` };
      }),
    [reports, getObject, label, lang],
  );
  const valueOptions = useMemo(() => {
    const def = report?.definition;
    return (def?.aggregates ?? []).map((a) => {
      const field = a.field ? resolvePath(def!.object, a.field, getObject) : undefined;
      const text = a.field
        ? t(`dashboards.op.${a.op}` as MessageKey, { field: field ? label(field.labels, field.name) : a.field })
        : t('dashboards.op.count');
      return { value: valueName(a), label: text };
    });
  }, [report, getObject, label, t]);

  const submit = async () => {
    const values = await form.validateFields();
    const picked = reports?.find((r) => r.id === values.report_id);
    onAdd(widgetFrom(values), picked?.name ?? null);
    form.resetFields();
  };

  return (
    <Modal
      open={open}
      title={t('dashboards.add.title')}
      okText={t('dashboards.add.ok')}
      cancelText={t('common.cancel')}
      onOk={() => void submit().catch(() => undefined)}
      onCancel={onCancel}
      destroyOnHidden
      okButtonProps={{ 'data-testid': 'add-widget-ok' } as never}
    >
      <Form<Values>
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ kind: 'report', compare: true, metric: 'won_amount', period_type: 'month' }}
      >
        <Form.Item name="kind" label={t('dashboards.add.kind')}>
          <Radio.Group optionType="button" data-testid="add-widget-kind">
            <Radio.Button value="report">{t('dashboards.kind.report')}</Radio.Button>
            <Radio.Button value="kpi">{t('dashboards.kind.kpi')}</Radio.Button>
            <Radio.Button value="target">{t('dashboards.kind.target')}</Radio.Button>
          </Radio.Group>
        </Form.Item>
        {kind !== 'target' && (
          <Form.Item
            name="report_id"
            label={t('dashboards.add.report')}
            rules={[{ required: true, message: t('dashboards.add.reportRequired') }]}
            extra={failed ? t('dashboards.add.reportsFailed') : undefined}
          >
            <Select
              showSearch
              optionFilterProp="label"
              loading={reports === null && !failed}
              options={reportOptions}
              placeholder={t('dashboards.add.pickReport')}
              notFoundContent={reports && !reports.length ? t('dashboards.add.noReports') : undefined}
              onChange={() => form.setFieldValue('value', undefined)}
              data-testid="add-widget-report"
            />
          </Form.Item>
        )}
        {kind === 'kpi' && (
          <>
            <Form.Item name="value" label={t('dashboards.add.value')}>
              <Select options={valueOptions} placeholder={t('dashboards.add.firstValue')} allowClear data-testid="add-widget-value" />
            </Form.Item>
            <Form.Item name="target" label={t('dashboards.add.target')}>
              <InputNumber min={0} className="ky-fullwidth" data-testid="add-widget-target" />
            </Form.Item>
            <Form.Item name="compare" valuePropName="checked">
              <Checkbox data-testid="add-widget-compare">{t('dashboards.add.compare')}</Checkbox>
            </Form.Item>
          </>
        )}
        {kind === 'target' && (
          <>
            <Form.Item name="metric" label={t('dashboards.add.metric')}>
              <Select
                options={TARGET_METRICS.map((m) => ({ value: m, label: t(`dashboards.metric.${m}` as MessageKey) }))}
                data-testid="add-widget-metric"
              />
            </Form.Item>
            <Form.Item name="period_type" label={t('dashboards.add.periodType')}>
              <Radio.Group optionType="button">
                {PERIOD_TYPES.map((p) => (
                  <Radio.Button key={p} value={p}>
                    {t(`dashboards.periodType.${p}` as MessageKey)}
                  </Radio.Button>
                ))}
              </Radio.Group>
            </Form.Item>
          </>
        )}
        <Form.Item name="title" label={t('dashboards.add.widgetTitle')} rules={[{ max: MAX_TITLE }]}>
          <Input maxLength={MAX_TITLE} placeholder={t('dashboards.add.titlePlaceholder')} data-testid="add-widget-title" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

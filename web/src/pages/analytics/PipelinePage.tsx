/**
 * Pipeline analytics (/analytics/pipeline): the sales funnel with the conversion rate between
 * stages (POST /analytics/funnel), and what happened to the pipeline in a period — entered,
 * advanced, slipped, won, lost — with the deals of each category one click away
 * (POST /analytics/pipeline-movement). Both count only the deals the reader may see.
 */
import '../../i18n/analytics';
import { FunnelPlotOutlined } from '@ant-design/icons';
import { Card, DatePicker, Empty, Segmented, Select, Skeleton, Space, Table, Tooltip, Typography } from 'antd';
import dayjs from 'dayjs';
import { lazy, Suspense, useEffect, useMemo, useState, type HTMLAttributes } from 'react';
import { Link } from 'react-router-dom';
import { analyticsApi, type FunnelResult, type MovementResult } from '../../api/analytics';
import { api } from '../../api/endpoints';
import type { FieldMeta, RecordData } from '../../api/types';
import { funnelBody, funnelOption, funnelRows, hasAmounts, idsFilter, movementRows, PERIOD_CHOICES, periodFor, type FunnelRow, type Measure, type MovementRow, type PeriodChoice } from '../../analytics/pipeline';
import { ErrorResult } from '../../components/Status';
import { optionLabel } from '../../fields/text';
import { useI18n } from '../../i18n';
import { formatCurrency, formatDate, formatInteger, formatPercent } from '../../lib/format';
import { useMetadata } from '../../state/metadata';
import { useFormatSettings } from '../../state/session';
import './pipeline.css';

const EChart = lazy(() => import('../../charts/EChart'));
const OBJECT = 'opportunity';

export default function PipelinePage() {
  const { t } = useI18n();
  const { getObject } = useMetadata();
  const meta = getObject(OBJECT);
  const pipelineField = meta?.fields.find((f) => f.name === 'pipeline' && f.options?.length);

  useEffect(() => {
    document.title = t('pipeline.title');
  }, [t]);

  return (
    <div className="ky-page ky-pipeline-page" data-testid="pipeline-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <FunnelPlotOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('pipeline.title')}</h1>
            <Typography.Text type="secondary">{t('pipeline.subtitle')}</Typography.Text>
          </div>
        </div>
      </div>
      <Space direction="vertical" size={16} style={{ width: '100%' }}>
        <FunnelCard pipelineField={pipelineField} />
        <MovementCard stageField={meta?.fields.find((f) => f.name === 'stage')} />
      </Space>
    </div>
  );
}

function FunnelCard({ pipelineField }: { pipelineField?: FieldMeta }) {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const [pipeline, setPipeline] = useState<string | null>(null);
  const [measure, setMeasure] = useState<Measure>('count');
  const [result, setResult] = useState<FunnelResult | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    analyticsApi
      .funnel(funnelBody(pipeline), ctrl.signal)
      .then(setResult)
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [pipeline]);

  const rows = useMemo(() => (result ? funnelRows(result) : []), [result]);
  const money = (v: number | null) => (v === null ? '—' : formatCurrency(v, fmt));
  const option = useMemo(
    () =>
      funnelOption(rows, measure, {
        count: (v) => formatInteger(v, fmt),
        money: (v) => formatCurrency(v, fmt),
        conversion: (rate) => `→ ${formatPercent(rate, fmt)}`,
      }),
    [rows, measure, fmt],
  );
  const empty = !!result && (result.total.count ?? 0) === 0;

  const columns = [
    { key: 'stage', title: t('pipeline.stage'), render: (_: unknown, r: FunnelRow) => r.label },
    { key: 'count', title: t('pipeline.reached'), align: 'right' as const, render: (_: unknown, r: FunnelRow) => <span className="ky-num">{formatInteger(r.count, fmt)}</span> },
    ...(hasAmounts(rows) ? [{ key: 'amount', title: t('pipeline.amount'), align: 'right' as const, render: (_: unknown, r: FunnelRow) => <span className="ky-num">{money(r.amount)}</span> }] : []),
    {
      key: 'conversion',
      title: t('pipeline.conversion'),
      align: 'right' as const,
      render: (_: unknown, r: FunnelRow) => <span className="ky-num">{r.conversion === null ? '—' : formatPercent(r.conversion, fmt)}</span>,
    },
    { key: 'ofTop', title: t('pipeline.ofTop'), align: 'right' as const, render: (_: unknown, r: FunnelRow) => <span className="ky-num">{r.ofTop === null ? '—' : formatPercent(r.ofTop, fmt)}</span> },
  ];

  return (
    <Card
      title={
        <Tooltip title={t('pipeline.funnelHelp')}>
          <span>{t('pipeline.funnel')}</span>
        </Tooltip>
      }
      extra={
        <Space wrap>
          {pipelineField && (
            <Select
              style={{ minWidth: 160 }}
              value={pipeline ?? ''}
              aria-label={t('pipeline.process')}
              data-testid="pipeline-process"
              onChange={(v: string) => setPipeline(v || null)}
              options={[{ value: '', label: t('pipeline.allPipelines') }, ...(pipelineField.options ?? []).map((o) => ({ value: o.value, label: optionLabel(pipelineField, o.value, lang) }))]}
            />
          )}
          {hasAmounts(rows) && (
            <Segmented
              size="small"
              value={measure}
              onChange={(v) => setMeasure(v as Measure)}
              options={[
                { value: 'count', label: t('pipeline.byCount') },
                { value: 'amount', label: t('pipeline.byAmount') },
              ]}
            />
          )}
        </Space>
      }
    >
      {error ? (
        <ErrorResult error={error} />
      ) : !result ? (
        <Skeleton active paragraph={{ rows: 6 }} />
      ) : empty ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('pipeline.empty')} />
      ) : (
        <>
          <Suspense fallback={<Skeleton active paragraph={{ rows: 6 }} />}>
            <EChart option={option} height={Math.max(240, rows.length * 48)} />
          </Suspense>
          <Space size={24} style={{ margin: '8px 0 12px' }} data-testid="pipeline-summary">
            <Typography.Text strong>{t('pipeline.winRate', { rate: result.win_rate === null ? '—' : formatPercent(result.win_rate, fmt) })}</Typography.Text>
            <Typography.Text type="secondary">{t('pipeline.lostCount', { count: formatInteger(result.lost.count, fmt) })}</Typography.Text>
          </Space>
          <Table<FunnelRow> size="small" rowKey="stage" pagination={false} columns={columns} dataSource={rows} data-testid="pipeline-funnel-table" />
        </>
      )}
    </Card>
  );
}

function MovementCard({ stageField }: { stageField?: FieldMeta }) {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const [choice, setChoice] = useState<PeriodChoice>('this_month');
  const [range, setRange] = useState<[string, string] | null>(null);
  const [result, setResult] = useState<MovementResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const period = periodFor(choice, range);
  const periodKey = JSON.stringify(period);

  useEffect(() => {
    if (period === null) return;
    const ctrl = new AbortController();
    setError(null);
    setResult(null);
    analyticsApi
      .movement({ period }, ctrl.signal)
      .then(setResult)
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
    // `period` is rebuilt each render; its JSON says when it really changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [periodKey]);

  const rows = result ? movementRows(result) : [];
  const showAmount = rows.some((r) => r.amount !== null);
  const columns = [
    {
      key: 'kind',
      title: t('pipeline.category'),
      render: (_: unknown, r: MovementRow) => (
        <Tooltip title={t(`pipeline.kind.${r.kind}.help`)}>
          <span>{t(`pipeline.kind.${r.kind}`)}</span>
        </Tooltip>
      ),
    },
    { key: 'count', title: t('pipeline.count'), align: 'right' as const, render: (_: unknown, r: MovementRow) => <span className="ky-num">{formatInteger(r.count, fmt)}</span> },
    ...(showAmount
      ? [{ key: 'amount', title: t('pipeline.amount'), align: 'right' as const, render: (_: unknown, r: MovementRow) => <span className="ky-num">{r.amount === null ? '—' : formatCurrency(r.amount, fmt)}</span> }]
      : []),
  ];

  return (
    <Card
      title={t('pipeline.movement')}
      extra={
        <Space wrap>
          <Select<PeriodChoice>
            style={{ minWidth: 150 }}
            value={choice}
            aria-label={t('pipeline.period')}
            data-testid="pipeline-period"
            onChange={setChoice}
            options={PERIOD_CHOICES.map((c) => ({ value: c, label: t(`pipeline.period.${c}`) }))}
          />
          {choice === 'custom' && (
            <DatePicker.RangePicker
              aria-label={t('pipeline.range')}
              value={range ? [dayjs(range[0]), dayjs(range[1])] : null}
              onChange={(v) => setRange(v && v[0] && v[1] ? [v[0].format('YYYY-MM-DD'), v[1].format('YYYY-MM-DD')] : null)}
            />
          )}
        </Space>
      }
    >
      {result && (
        <Typography.Text type="secondary" data-testid="pipeline-period-range">
          {formatDate(result.period.from, fmt)} – {formatDate(result.period.to, fmt)}
        </Typography.Text>
      )}
      {error ? (
        <ErrorResult error={error} />
      ) : period !== null && !result ? (
        <Skeleton active paragraph={{ rows: 5 }} />
      ) : (
        <Table<MovementRow>
          size="small"
          rowKey="kind"
          pagination={false}
          columns={columns}
          dataSource={rows}
          data-testid="pipeline-movement-table"
          expandable={{
            rowExpandable: (r) => r.count > 0,
            expandedRowRender: (r) => <MovementRecords row={r} stageField={stageField} />,
          }}
          onRow={(r) => ({ 'data-testid': `movement-${r.kind}` }) as HTMLAttributes<HTMLElement>}
        />
      )}
    </Card>
  );
}

/** The deals of one category (the first 200 the server listed), each linking to its page. */
function MovementRecords({ row, stageField }: { row: MovementRow; stageField?: FieldMeta }) {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const [records, setRecords] = useState<RecordData[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    api
      .query(OBJECT, { filter: idsFilter(row.ids), fields: ['name', 'stage', 'amount', 'close_date'], sort: [{ field: 'close_date', direction: 'asc' }], limit: row.ids.length }, ctrl.signal)
      .then((page) => setRecords(page.records))
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [row.ids]);

  if (error) return <ErrorResult error={error} />;
  if (!records) return <Skeleton active paragraph={{ rows: 2 }} />;
  if (!records.length) return <Typography.Text type="secondary">{t('pipeline.noRecords')}</Typography.Text>;
  return (
    <div data-testid={`movement-records-${row.kind}`}>
      <ul className="ky-pipeline-records">
        {records.map((r) => (
          <li key={r.id}>
            <Link to={`/o/${OBJECT}/${encodeURIComponent(r.id)}`}>{String(r.name ?? r.id)}</Link>
            <span className="ky-pipeline-record-meta">
              {stageField && r.stage ? optionLabel(stageField, r.stage, lang) : ''}
              {r.amount !== null && r.amount !== undefined ? ` · ${formatCurrency(r.amount, fmt)}` : ''}
              {r.close_date ? ` · ${t('pipeline.closeDate')} ${formatDate(r.close_date, fmt)}` : ''}
            </span>
          </li>
        ))}
      </ul>
      {row.truncated && <Typography.Text type="secondary">{t('pipeline.firstOnly', { count: row.ids.length })}</Typography.Text>}
    </div>
  );
}

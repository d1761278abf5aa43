/**
 * Sales targets (销售目标, /targets): for one metric, period type and fiscal year, a grid of the
 * company's departments and people × periods. A cell is edited in place: typing a number creates
 * or updates that person's (or department's own) target record through the records API, with
 * the version it was read at (a 412 reloads the grid); clearing it deletes the record. A
 * department's cell shows its own target, or in grey the sum of its members' and sub-departments'
 * — what attainment rolls up. Below, the attainment of one of the year's periods.
 */
import '../i18n/targets';
import './targets.css';
import { ApartmentOutlined, TrophyOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, App, Card, Empty, Input, Radio, Select, Skeleton, Space, Table, Tooltip, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError } from '../api/client';
import { ErrorResult, errorMessage } from '../components/Status';
import { useI18n } from '../i18n';
import { compare, isDecimal, normalize } from '../lib/decimal';
import { todayIn } from '../lib/format';
import { can } from '../lib/layout';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import { AttainmentList, formatValue } from './AttainmentList';
import { METRICS, targetsApi, TARGET_OBJECT, type Attainment, type Department, type Metric, type Person, type TargetRecord } from './api';
import { buildGrid, departmentTree, type GridCell, type GridRow } from './grid';
import { fiscalYearOf, periodContaining, periodLabel, periodsOfYear, PERIOD_TYPES, type PeriodType } from './periods';

interface Org {
  departments: Department[];
  people: Person[];
  fiscalStart: number;
}

/** What a typed cell asks for: nothing, removing the target, a new value, or a bad input. */
export type CellEdit = { kind: 'none' } | { kind: 'remove' } | { kind: 'set'; value: string } | { kind: 'invalid' };

export function parseCellEdit(text: string, current: string | null): CellEdit {
  const typed = text.trim().replace(/,/g, '');
  if (typed === '') return current === null ? { kind: 'none' } : { kind: 'remove' };
  if (!isDecimal(typed) || compare(typed, '0') < 0) return { kind: 'invalid' };
  if (current !== null && compare(typed, current) === 0) return { kind: 'none' };
  return { kind: 'set', value: normalize(typed) };
}

function TargetCell({
  row,
  start,
  cell,
  editable,
  metric,
  currency,
  label,
  onSave,
}: {
  row: GridRow;
  start: string;
  cell: GridCell;
  editable: boolean;
  metric: Metric;
  currency: string;
  label: string;
  onSave: (row: GridRow, start: string, text: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [saving, setSaving] = useState(false);
  const own = cell.record ? normalize(cell.value) : null;
  const title = t('targets.edit', { name: row.name, period: label });
  const testId = `target-cell-${row.kind}-${row.id}-${start}`;

  if (editing) {
    const finish = async () => {
      setSaving(true);
      try {
        await onSave(row, start, text);
      } finally {
        setSaving(false);
        setEditing(false);
      }
    };
    return (
      <Input
        autoFocus
        size="small"
        className="ky-target-input"
        value={text}
        disabled={saving}
        aria-label={title}
        data-testid={`${testId}-input`}
        onChange={(e) => setText(e.target.value)}
        onPressEnter={() => void finish()}
        onBlur={() => void finish()}
        onKeyDown={(e) => {
          if (e.key === 'Escape') setEditing(false);
        }}
      />
    );
  }
  const shown = cell.value === null ? '—' : formatValue(cell.value, metric, currency);
  const hint = row.kind === 'department' && cell.value !== null ? t(cell.rolled ? 'targets.rolled' : 'targets.own') : undefined;
  const button = (
    <button
      type="button"
      className={`ky-target-cell${cell.rolled && cell.value !== null ? ' is-rolled' : ''}${cell.value === null ? ' is-empty' : ''}`}
      disabled={!editable}
      aria-label={title}
      data-testid={testId}
      onClick={() => {
        setText(own ?? '');
        setEditing(true);
      }}
    >
      {shown}
    </button>
  );
  return hint ? <Tooltip title={hint}>{button}</Tooltip> : button;
}

export default function TargetsPage() {
  const { t } = useI18n();
  const fmt = useFormatSettings();
  const { message } = App.useApp();
  const { getObject } = useMetadata();
  const targetObject = getObject(TARGET_OBJECT);
  const editable = !!targetObject && can(targetObject, 'create') && can(targetObject, 'edit');
  const today = todayIn(fmt.timeZone);

  const [org, setOrg] = useState<Org | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [metric, setMetric] = useState<Metric>('won_amount');
  const [periodType, setPeriodType] = useState<PeriodType>('month');
  const [year, setYear] = useState<number | null>(null);
  const [department, setDepartment] = useState<string | null>(null);
  const [targets, setTargets] = useState<TargetRecord[] | null>(null);
  const [reloads, setReloads] = useState(0);
  const [chosen, setChosen] = useState<string | null>(null);
  const [attainment, setAttainment] = useState<Attainment | null>(null);
  const [attainmentError, setAttainmentError] = useState<unknown>(null);

  useEffect(() => {
    document.title = t('targets.title');
  }, [t]);

  useEffect(() => {
    const ctrl = new AbortController();
    Promise.all([targetsApi.fiscalStart(ctrl.signal), targetsApi.departments(ctrl.signal), targetsApi.people(ctrl.signal)])
      .then(([fiscalStart, departments, people]) => {
        setOrg({ fiscalStart, departments, people });
        setYear((y) => y ?? fiscalYearOf(today, fiscalStart));
      })
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- loaded once; today only seeds the year
  }, []);

  const starts = useMemo(() => (org && year !== null ? periodsOfYear(periodType, year, org.fiscalStart) : []), [org, year, periodType]);
  // The period whose attainment shows: the chosen one if it is in the grid, else today's, else the first.
  const current = org ? periodContaining(today, periodType, org.fiscalStart) : null;
  const attainmentStart = chosen && starts.includes(chosen) ? chosen : current && starts.includes(current) ? current : (starts[0] ?? null);

  useEffect(() => {
    if (!starts.length) return;
    const ctrl = new AbortController();
    setTargets(null);
    targetsApi
      .targets(metric, periodType, starts, ctrl.signal)
      .then(setTargets)
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [metric, periodType, starts, reloads]);

  useEffect(() => {
    if (!attainmentStart) return;
    const ctrl = new AbortController();
    setAttainmentError(null);
    targetsApi
      .attainment({ metric, period_type: periodType, period_start: attainmentStart, department }, ctrl.signal)
      .then(setAttainment)
      .catch((e) => {
        if (!ctrl.signal.aborted) setAttainmentError(e);
      });
    return () => ctrl.abort();
  }, [metric, periodType, attainmentStart, department, targets]);

  const save = useCallback(
    async (row: GridRow, start: string, text: string) => {
      const cell = row.cells[start];
      const record = cell.record;
      const edit = parseCellEdit(text, record ? normalize(cell.value) : null);
      if (edit.kind === 'none') return;
      if (edit.kind === 'invalid') {
        message.error(t('targets.invalid'));
        return;
      }
      try {
        if (edit.kind === 'remove' && record) {
          await targetsApi.remove(record.id);
          setTargets((ts) => (ts ?? []).filter((x) => x.id !== record.id));
          message.success(t('targets.removed'));
          return;
        }
        if (edit.kind !== 'set') return;
        const saved = record
          ? await targetsApi.update(record.id, record.version, edit.value)
          : await targetsApi.create({
              ...(row.kind === 'user' ? { user: row.id } : { department: row.id }),
              metric,
              period_type: periodType,
              period_start: start,
              target: edit.value,
            });
        setTargets((ts) => [...(ts ?? []).filter((x) => x.id !== saved.id), saved]);
        message.success(t('targets.saved'));
      } catch (e) {
        if (e instanceof ApiError && (e.status === 412 || e.status === 404)) {
          message.warning(t('targets.stale'));
          setReloads((n) => n + 1);
        } else {
          message.error(errorMessage(e, t));
        }
      }
    },
    [metric, periodType, message, t],
  );

  const rows = useMemo(() => (org && targets ? buildGrid(org.departments, org.people, targets, starts, department) : null), [org, targets, starts, department]);
  const availableMetrics = METRICS.filter((m) => m !== 'payments_received' || !!getObject('payment'));

  if (error) return <ErrorResult error={error} />;

  const fiscalStart = org?.fiscalStart ?? 1;
  const label = (start: string) => periodLabel(start, periodType, fiscalStart);
  const columns: ColumnsType<GridRow> = [
    {
      key: 'name',
      title: t('targets.name'),
      fixed: 'left',
      width: 220,
      render: (_: unknown, r: GridRow) => (
        <span className="ky-target-name">
          {r.kind === 'department' ? <ApartmentOutlined /> : <UserOutlined />} {r.name}
        </span>
      ),
    },
    ...starts.map((start) => ({
      key: start,
      title: label(start),
      align: 'right' as const,
      width: periodType === 'year' ? 200 : 130,
      render: (_: unknown, r: GridRow) => (
        <TargetCell row={r} start={start} cell={r.cells[start]} editable={editable} metric={metric} currency={fmt.currency} label={label(start)} onSave={save} />
      ),
    })),
    ...(starts.length > 1
      ? [
          {
            key: 'total',
            title: t('targets.total'),
            align: 'right' as const,
            width: 150,
            render: (_: unknown, r: GridRow) => (
              <span className="ky-target-total" data-testid={`target-total-${r.kind}-${r.id}`}>
                {r.total === null ? '—' : formatValue(r.total, metric, fmt.currency)}
              </span>
            ),
          },
        ]
      : []),
  ];
  const fy = year ?? fiscalYearOf(today, fiscalStart);
  const years = [fy - 2, fy - 1, fy, fy + 1, fy + 2];

  return (
    <div className="ky-page ky-targets-page" data-testid="targets-page">
      <div className="ky-page-head">
        <div className="ky-page-title">
          <TrophyOutlined style={{ fontSize: 24 }} />
          <div>
            <h1>{t('targets.title')}</h1>
            <Typography.Text type="secondary">{t('targets.subtitle')}</Typography.Text>
          </div>
        </div>
      </div>
      <Space wrap style={{ marginBottom: 12 }}>
        <Select<Metric>
          value={metric}
          onChange={setMetric}
          style={{ minWidth: 160 }}
          aria-label={t('targets.metric')}
          data-testid="targets-metric"
          options={availableMetrics.map((m) => ({ value: m, label: t(`targets.metric.${m}`) }))}
        />
        <Radio.Group value={periodType} onChange={(e) => setPeriodType(e.target.value as PeriodType)} optionType="button" aria-label={t('targets.periodType')}>
          {PERIOD_TYPES.map((p) => (
            <Radio.Button key={p} value={p} data-testid={`targets-period-${p}`}>
              {t(`targets.period.${p}`)}
            </Radio.Button>
          ))}
        </Radio.Group>
        <Select<number>
          value={fy}
          onChange={setYear}
          style={{ minWidth: 110 }}
          aria-label={t('targets.year')}
          data-testid="targets-year"
          options={years.map((y) => ({ value: y, label: periodLabel(`${y}-${String(fiscalStart).padStart(2, '0')}-01`, 'year', fiscalStart) }))}
        />
        <Select<string>
          allowClear
          showSearch
          optionFilterProp="title"
          value={department ?? undefined}
          onChange={(v) => setDepartment(v ?? null)}
          placeholder={t('targets.allDepartments')}
          style={{ minWidth: 200 }}
          aria-label={t('targets.department')}
          data-testid="targets-department"
          options={departmentTree(org?.departments ?? []).map((d) => ({ value: d.id, title: d.name, label: `${'\u3000'.repeat(d.depth)}${d.name}` }))}
        />
      </Space>
      {!editable && targetObject && <Alert type="info" showIcon message={t('targets.readOnly')} style={{ marginBottom: 12 }} />}
      <div className="ky-panel ky-targets-grid">
        {rows === null ? (
          <Skeleton active paragraph={{ rows: 6 }} />
        ) : (
          <Table<GridRow>
            rowKey="key"
            size="small"
            pagination={false}
            dataSource={rows}
            columns={columns}
            scroll={{ x: 'max-content' }}
            expandable={{ defaultExpandAllRows: true }}
            rowClassName={(r) => `is-${r.kind}`}
            locale={{ emptyText: <Empty description={t('targets.empty')} image={Empty.PRESENTED_IMAGE_SIMPLE} /> }}
          />
        )}
      </div>
      {attainmentStart && (
        <Card
          size="small"
          style={{ marginTop: 16 }}
          title={t('targets.attainmentFor', { period: label(attainmentStart) })}
          extra={
            <Select<string>
              size="small"
              value={attainmentStart}
              onChange={setChosen}
              aria-label={t('targets.attainment')}
              data-testid="targets-attainment-period"
              options={starts.map((s) => ({ value: s, label: label(s) }))}
            />
          }
        >
          {attainmentError ? (
            <ErrorResult error={attainmentError} />
          ) : attainment ? (
            <>
              <div className="ky-attainment-period">{t('targets.elapsed', { percent: attainment.period.elapsed_percent })}</div>
              <AttainmentList data={attainment} />
            </>
          ) : (
            <Skeleton active paragraph={{ rows: 3 }} />
          )}
        </Card>
      )}
    </div>
  );
}

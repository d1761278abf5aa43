/**
 * A result as tables: a summary with indented subtotal rows and a grand total, a matrix as a
 * pivot with row and column totals, a tabular report's records. A click on a group, a cell or
 * a total drills into its records.
 */
import { Button, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { Link } from 'react-router-dom';
import type { FieldMeta, ObjectMeta, RecordData } from '../api/types';
import { displayText } from '../fields/text';
import { useI18n } from '../i18n';
import { defaultColumns, getField } from '../lib/fields';
import { groupingLabel, measureLabel, valueColumn } from '../charts/reportLabels';
import type { GroupKey, MatrixResult, ResultColumn, SummaryResult, TabularResult, Values } from './api';
import { pivot, summaryRows, valueNames, type SummaryRow } from './pivot';
import type { ReportFormat } from './useReportFormat';

export type Drill = (key: GroupKey, label: string) => void;

const isGrouping = (c: ResultColumn) => c.kind === 'row_group' || c.kind === 'column_group';

function ValueCell({ name, values, format }: { name: string; values: Values | undefined; format: ReportFormat }) {
  return <span className="ky-num">{values ? format.value(name, values[name]) : ''}</span>;
}

/** What a drill-down's drawer is titled: the group's keys, as the table shows them. */
export function keyTitle(key: GroupKey, columns: ResultColumn[], format: ReportFormat): string {
  return Object.entries(key)
    .map(([path, v]) => format.keyLabel(columns.find((c) => c.key === path && isGrouping(c)), v))
    .join(' · ');
}

export function SummaryTable({ result, format, onDrill }: { result: SummaryResult; format: ReportFormat; onDrill?: Drill }) {
  const { t, lang } = useI18n();
  const groupings = result.columns.filter((c) => c.kind === 'row_group');
  const names = valueNames(result.columns);
  const rows = summaryRows(result);
  const label = (r: SummaryRow) =>
    r.kind === 'total' ? t('reports.total') : format.keyLabel(groupings.find((g) => g.key === r.grouping), r.grouping ? r.key[r.grouping] : null);
  const columns: ColumnsType<SummaryRow> = [
    {
      key: 'group',
      title: groupings.map((g) => groupingLabel(g, lang)).join(' / '),
      render: (_, r) => (
        <span className="ky-report-group" style={{ paddingLeft: r.depth * 20 }}>
          {onDrill && r.kind !== 'total' ? (
            <Button type="link" size="small" className="ky-report-drill" onClick={() => onDrill(r.key, keyTitle(r.key, result.columns, format))}>
              {label(r)}
            </Button>
          ) : (
            label(r)
          )}
        </span>
      ),
    },
    ...names.map((name) => ({
      key: name,
      title: measureLabel(valueColumn(result.columns, name), name, lang),
      align: 'right' as const,
      render: (_: unknown, r: SummaryRow) => <ValueCell name={name} values={r.values} format={format} />,
    })),
  ];
  return (
    <Table<SummaryRow>
      size="small"
      rowKey="id"
      pagination={false}
      dataSource={rows}
      columns={columns}
      scroll={{ x: 'max-content' }}
      rowClassName={(r) => `ky-report-row is-${r.kind}`}
      onRow={(r) => ({ 'data-testid': `report-row-${r.kind}`, 'data-depth': r.depth }) as React.HTMLAttributes<HTMLElement>}
      data-testid="report-summary"
    />
  );
}

interface MatrixRow {
  id: string;
  key: GroupKey;
  total: boolean;
}

export function MatrixTable({ result, format, onDrill }: { result: MatrixResult; format: ReportFormat; onDrill?: Drill }) {
  const { t, lang } = useI18n();
  const p = pivot(result);
  const names = valueNames(result.columns);
  const byPath = new Map(result.columns.filter(isGrouping).map((c) => [c.key, c]));
  const columnTitle = (key: GroupKey) => p.columnPaths.map((path) => format.keyLabel(byPath.get(path), key[path])).join(' · ');
  const drill = (key: GroupKey) => (onDrill && Object.keys(key).length ? () => onDrill(key, keyTitle(key, result.columns, format)) : undefined);
  const cell = (values: Values | undefined, key: GroupKey, testid: string) => {
    const go = values ? drill(key) : undefined;
    return (
      <span
        className={`ky-num${go ? ' ky-report-cell' : ''}`}
        onClick={go}
        onKeyDown={go ? (e) => (e.key === 'Enter' || e.key === ' ') && go() : undefined}
        role={go ? 'button' : undefined}
        tabIndex={go ? 0 : undefined}
        data-testid={testid}
      >
        {names.map((n) => (values ? format.value(n, values[n]) : '')).join(' · ')}
      </span>
    );
  };
  const valuesTitle = names.map((n) => measureLabel(valueColumn(result.columns, n), n, lang)).join(' · ');
  const rows: MatrixRow[] = [...p.rows.map((key) => ({ id: JSON.stringify(key), key, total: false })), { id: 'total', key: {}, total: true }];
  const columns: ColumnsType<MatrixRow> = [
    ...p.rowPaths.map((path, depth) => ({
      key: `row:${path}`,
      title: byPath.get(path) ? groupingLabel(byPath.get(path)!, lang) : path,
      fixed: 'left' as const,
      render: (_: unknown, r: MatrixRow, i: number) => {
        if (r.total) return depth === 0 ? <strong>{t('reports.total')}</strong> : null;
        // A first-level key is written once for the rows under it.
        const prev = i > 0 ? rows[i - 1] : null;
        if (depth < p.rowPaths.length - 1 && prev && !prev.total && p.rowPaths.slice(0, depth + 1).every((q) => prev.key[q] === r.key[q])) return null;
        const key = Object.fromEntries(p.rowPaths.slice(0, depth + 1).map((q) => [q, r.key[q] ?? null]));
        const go = drill(key);
        return go ? (
          <Button type="link" size="small" className="ky-report-drill" onClick={go}>
            {format.keyLabel(byPath.get(path), r.key[path])}
          </Button>
        ) : (
          format.keyLabel(byPath.get(path), r.key[path])
        );
      },
    })),
    ...p.columns.map((col, j) => ({
      key: `col:${JSON.stringify(col)}`,
      title: columnTitle(col),
      align: 'right' as const,
      render: (_: unknown, r: MatrixRow) =>
        r.total ? cell(p.columnTotal(col), col, `matrix-coltotal-${j}`) : cell(p.cell(r.key, col), { ...r.key, ...col }, `matrix-cell-${rows.indexOf(r)}-${j}`),
    })),
    {
      key: 'total',
      title: names.length > 1 ? `${t('reports.total')} (${valuesTitle})` : t('reports.total'),
      align: 'right' as const,
      render: (_: unknown, r: MatrixRow) =>
        r.total ? <strong>{cell(p.total, {}, 'matrix-total')}</strong> : cell(p.rowTotal(r.key), r.key, `matrix-rowtotal-${rows.indexOf(r)}`),
    },
  ];
  return (
    <>
      {names.length > 1 && (
        <Typography.Text type="secondary" className="ky-report-values">
          {valuesTitle}
        </Typography.Text>
      )}
      <Table<MatrixRow>
        size="small"
        rowKey="id"
        pagination={false}
        dataSource={rows}
        columns={columns}
        scroll={{ x: 'max-content' }}
        rowClassName={(r) => `ky-report-row is-${r.total ? 'total' : 'group'}`}
        data-testid="report-matrix"
      />
    </>
  );
}

/** The fields a tabular result shows: its detail columns, else the object's default columns. */
export function recordFields(result: TabularResult, object: ObjectMeta | undefined): FieldMeta[] {
  if (!object) return [];
  const details = result.columns.filter((c) => c.kind === 'detail').map((c) => c.key);
  const names = details.length ? details : defaultColumns(object);
  return names.map((n) => getField(object, n)).filter((f): f is FieldMeta => !!f);
}

export function RecordsTable({
  result,
  records,
  object,
  format,
  onMore,
  loadingMore,
}: {
  result: TabularResult;
  records: RecordData[];
  object: ObjectMeta | undefined;
  format: ReportFormat;
  onMore?: () => void;
  loadingMore?: boolean;
}) {
  const { t, label, lang } = useI18n();
  const fields = recordFields(result, object);
  // Records have totals but no groups to take a share of.
  const names = valueNames(result.columns).filter((n) => !n.startsWith('percent_'));
  const columns: ColumnsType<RecordData> = fields.map((f) => ({
    key: f.name,
    title: label(f.labels, f.name),
    render: (_: unknown, r: RecordData) => {
      const text = displayText(f, r, format.fmt, lang);
      return object && f.name === object.name_field ? (
        <Link to={`/o/${encodeURIComponent(object.name)}/${encodeURIComponent(r.id)}`} className="ky-namecell">
          {text || t('record.untitled')}
        </Link>
      ) : (
        text
      );
    },
  }));
  return (
    <div data-testid="report-records">
      {names.length > 0 && (
        <div className="ky-report-totals" data-testid="report-totals">
          {names.map((n) => (
            <span key={n}>
              {measureLabel(valueColumn(result.columns, n), n, lang)}: <strong className="ky-num">{format.value(n, result.totals[n])}</strong>
            </span>
          ))}
        </div>
      )}
      <Table<RecordData> size="small" rowKey="id" pagination={false} dataSource={records} columns={columns} scroll={{ x: 'max-content' }} />
      {result.next_cursor && onMore && (
        <Button block onClick={onMore} loading={loadingMore} style={{ marginTop: 8 }} data-testid="report-more">
          {t('reports.more')}
        </Button>
      )}
    </div>
  );
}

/**
 * A report's answer as a compact table: one row per group (the finest level), its keys and
 * values, and a total row; tabular reports show their first records. What a widget shows until
 * charts are drawn (see widgetChart.tsx), and what a `table` chart is.
 *
 * A plain <table>, not antd's Table: a dashboard draws several at once, and a table of at most
 * a few dozen rows needs no sorting, paging or virtual scrolling.
 */
import { useEffect, useMemo, useState } from 'react';
import type { FieldMeta } from '../api/types';
import { formatValue as formatFieldValue } from '../fields/text';
import { usePainted } from '../lib/afterPaint';
import { useI18n } from '../i18n';
import { fetchTitles } from '../lib/referenceLabels';
import { valueType } from '../lib/fields';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import type { ReportResult, ResultColumn } from './api';
import { aggregateLabel, formatValue, keyLabel, resolvePath } from './format';

/** Rows shown at most: a widget is a glance; the report itself has them all. */
export const MAX_ROWS = 50;

interface Props {
  result: ReportResult;
  /** Called once the table is on screen with its record names (the widget's paint mark). */
  onPainted?: () => void;
}

/** The ids of lookup keys per target object, to show record titles instead of ids. */
function lookupIds(result: ReportResult, keys: ResultColumn[]): Map<string, string[]> {
  const wanted = new Map<string, Set<string>>();
  for (const c of keys) {
    if (!c.target) continue;
    const set = wanted.get(c.target) ?? new Set<string>();
    for (const g of result.groups ?? []) {
      const v = g.key[c.key];
      if (typeof v === 'string' && v) set.add(v);
    }
    wanted.set(c.target, set);
  }
  return new Map([...wanted].filter(([, ids]) => ids.size).map(([target, ids]) => [target, [...ids]]));
}

export function ResultTable({ result, onPainted }: Props) {
  const { t, lang } = useI18n();
  const fmt = useFormatSettings();
  const { getObject } = useMetadata();
  const keys = useMemo(() => result.columns.filter((c) => c.kind === 'row_group' || c.kind === 'column_group'), [result]);
  const aggregates = useMemo(() => result.columns.filter((c) => c.kind === 'aggregate'), [result]);
  const details = useMemo(() => result.columns.filter((c) => c.kind === 'detail'), [result]);
  const fields = useMemo(() => {
    const m = new Map<string, FieldMeta | undefined>();
    for (const c of [...keys, ...details]) m.set(c.key, resolvePath(result.object, c.key, getObject));
    return m;
  }, [keys, details, result.object, getObject]);
  const wanted = useMemo(() => lookupIds(result, keys), [result, keys]);
  // The names of the records the keys refer to, and which keys they were asked for.
  const [named, setNamed] = useState<{ of: Map<string, string[]> | null; titles: Map<string, string> }>(() => ({ of: null, titles: new Map() }));
  const titles = named.titles;

  useEffect(() => {
    if (!wanted.size) return;
    const ctrl = new AbortController();
    fetchTitles(wanted, getObject, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted) setNamed({ of: wanted, titles: found });
      })
      .catch(() => {
        // Ids stay shown where names cannot be read; the table is complete as it is.
        if (!ctrl.signal.aborted) setNamed((cur) => ({ ...cur, of: wanted }));
      });
    return () => ctrl.abort();
  }, [wanted, getObject]);
  usePainted(onPainted, !wanted.size || named.of === wanted);

  const valueHeads = aggregates.flatMap((c) => [
    { column: c, share: false, title: aggregateLabel(c, t) },
    ...(c.percent_of_total ? [{ column: c, share: true, title: t('dashboards.table.share') }] : []),
  ]);
  const valueCells = (values: Record<string, unknown>) =>
    valueHeads.map((h) => (
      <td key={`${h.column.key}${h.share ? ':share' : ''}`} className="ky-num">
        {formatValue(values[h.share ? `percent_${h.column.key}` : h.column.key], h.column, fmt, h.share)}
      </td>
    ));

  if (result.type === 'tabular') {
    const records = (result.records ?? []).slice(0, MAX_ROWS);
    if (!records.length) return <div className="ky-dash-empty">{t('dashboards.table.empty')}</div>;
    return (
      <table className="ky-dash-table" data-testid="result-table">
        <thead>
          <tr>
            {details.map((c) => (
              <th key={c.key}>{c.label ?? c.key}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {records.map((r, i) => (
            <tr key={String(r.id ?? i)}>
              {details.map((c) => {
                const field = fields.get(c.key);
                const v = r[c.key];
                return <td key={c.key}>{field ? formatFieldValue(valueType(field), field, v, fmt, lang) : v === null || v === undefined ? '' : String(v)}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    );
  }

  const groups = result.groups ?? [];
  if (!groups.length) return <div className="ky-dash-empty">{t('dashboards.table.empty')}</div>;
  const shown = groups.slice(0, MAX_ROWS);
  // Without groupings the one group is all rows: a first cell says so.
  const lead = keys.length === 0;
  return (
    <>
      <table className="ky-dash-table" data-testid="result-table">
        <thead>
          <tr>
            {lead && <th />}
            {keys.map((c) => (
              <th key={c.key}>{c.label ?? c.key}</th>
            ))}
            {valueHeads.map((h) => (
              <th key={`${h.column.key}${h.share ? ':share' : ''}`} className="ky-num">
                {h.title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((g, i) => (
            <tr key={i}>
              {lead && <td>{t('dashboards.table.all')}</td>}
              {keys.map((c) => (
                <td key={c.key}>{keyLabel(c, g.key[c.key], { lang, t, field: fields.get(c.key), titles })}</td>
              ))}
              {valueCells(g.values)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th colSpan={Math.max(1, keys.length)}>{t('dashboards.table.total')}</th>
            {valueCells(result.totals)}
          </tr>
        </tfoot>
      </table>
      {(groups.length > MAX_ROWS || result.truncated) && <div className="ky-dash-note">{t('dashboards.table.more')}</div>}
    </>
  );
}

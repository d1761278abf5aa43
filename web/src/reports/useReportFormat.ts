/**
 * How a result reads for this reader: group keys' labels (with the titles of the records
 * reference keys name, and the tenant's fiscal year for fiscal buckets) and values formatted
 * in the tenant's locale and currency.
 */
import { useEffect, useMemo, useState } from 'react';
import { useI18n } from '../i18n';
import { fetchTitles } from '../lib/referenceLabels';
import { useMetadata } from '../state/metadata';
import { useFormatSettings } from '../state/session';
import type { ReportLocale } from '../charts/reportChart';
import { formatReportValue, makeKeyLabeller, valueColumn, valueKind, type KeyLabeller } from '../charts/reportLabels';
import type { FormatSettings } from '../lib/format';
import { fiscalStartMonth, knownFiscalStartMonth, type ReportResult, type ResultGroup } from './api';

/** The tenant's fiscal start month (January until known) and whether it is known yet. */
export function useFiscalStartMonth(): { month: number; known: boolean } {
  const [month, setMonth] = useState<number | null>(knownFiscalStartMonth);
  useEffect(() => {
    if (month !== null) return undefined;
    let live = true;
    void fiscalStartMonth().then((m) => live && setMonth(m));
    return () => {
      live = false;
    };
  }, [month]);
  return { month: month ?? 1, known: month !== null };
}

/** The ids of records a result's reference keys name, per target object. */
export function referenceIds(result: ReportResult | null): Map<string, string[]> {
  const wanted = new Map<string, Set<string>>();
  if (!result || result.type === 'tabular') return new Map();
  const refs = result.columns.filter((c) => (c.kind === 'row_group' || c.kind === 'column_group') && c.target);
  if (!refs.length) return new Map();
  const all: ResultGroup[] = [...result.groups, ...(result.type === 'summary' ? result.subtotals : [...result.row_totals, ...result.column_totals])];
  for (const c of refs) {
    const ids = wanted.get(c.target!) ?? new Set<string>();
    for (const g of all) {
      const v = g.key[c.key];
      if (typeof v === 'string' && v) ids.add(v);
    }
    wanted.set(c.target!, ids);
  }
  return new Map([...wanted].filter(([, ids]) => ids.size).map(([t, ids]) => [t, [...ids]]));
}

/** Titles of the records a result's keys name (id → title), fetched once per result, and
 * whether this result's have arrived (or it names none). */
export function useKeyTitles(result: ReportResult | null): { titles: Map<string, string>; loaded: boolean } {
  const { getObject } = useMetadata();
  const [titles, setTitles] = useState<Map<string, string>>(new Map());
  const wanted = useMemo(() => referenceIds(result), [result]);
  const [loadedFor, setLoadedFor] = useState<Map<string, string[]> | null>(null);
  useEffect(() => {
    if (!wanted.size) return;
    const ctrl = new AbortController();
    fetchTitles(wanted, getObject, ctrl.signal)
      .then((found) => {
        if (!ctrl.signal.aborted) setTitles((prev) => new Map([...prev, ...found]));
      })
      .catch(() => undefined)
      .finally(() => {
        if (!ctrl.signal.aborted) setLoadedFor(wanted);
      });
    return () => ctrl.abort();
  }, [wanted, getObject]);
  return { titles, loaded: !wanted.size || loadedFor === wanted };
}

export interface ReportFormat {
  fmt: FormatSettings;
  keyLabel: KeyLabeller;
  locale: ReportLocale;
  currency: string;
  /** A value of the result by its name (`sum_amount`, `percent_count`). */
  value: (name: string, v: unknown) => string;
  /** The labels are final: the names of the records keys refer to and the fiscal year's
   * start have arrived (until then ids and calendar quarters stand in). */
  labelled: boolean;
}

export function useReportFormat(result: ReportResult | null): ReportFormat {
  const { lang } = useI18n();
  const { objects } = useMetadata();
  const fmt = useFormatSettings();
  const { month: fiscal, known: fiscalKnown } = useFiscalStartMonth();
  const { titles, loaded } = useKeyTitles(result);
  const object = result?.object ?? '';
  const columns = result?.columns;
  const labelled = fiscalKnown && loaded;
  return useMemo(() => {
    const keyLabel = makeKeyLabeller({ lang, fmt, objects, object, fiscalStartMonth: fiscal, titles });
    return {
      fmt,
      keyLabel,
      currency: fmt.currency,
      locale: { lang, numberLocale: fmt.locale, timeZone: fmt.timeZone, keyLabel },
      value: (name, v) => formatReportValue(valueKind(valueColumn(columns ?? [], name), name), v, fmt),
      labelled,
    };
  }, [lang, fmt, objects, object, fiscal, titles, columns, labelled]);
}

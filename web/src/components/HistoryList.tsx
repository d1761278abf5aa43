import { Empty, Skeleton, Timeline as AntTimeline } from 'antd';
import { useEffect, useState } from 'react';
import { api } from '../api/endpoints';
import type { HistoryEntry, ObjectMeta } from '../api/types';
import { UserChip } from '../fields/display';
import { formatValue } from '../fields/text';
import { useI18n } from '../i18n';
import { getField, isReference, valueType } from '../lib/fields';
import { formatDateTime } from '../lib/format';
import { useFormatSettings } from '../state/session';
import { errorMessage } from './Status';

const OP_COLORS: Record<string, string> = { create: 'green', update: 'blue', delete: 'red', restore: 'gray', erase: 'red' };

export function HistoryList({ object, recordId, version }: { object: ObjectMeta; recordId: string; version?: number }) {
  const { t, label, lang } = useI18n();
  const fmt = useFormatSettings();
  const [entries, setEntries] = useState<HistoryEntry[] | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api
      .history(object.name, recordId, ctrl.signal)
      .then((r) => setEntries(r.entries ?? []))
      .catch((e) => {
        if (!ctrl.signal.aborted) setError(e);
      });
    return () => ctrl.abort();
  }, [object.name, recordId, version]);

  if (error) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={errorMessage(error, t)} />;
  if (!entries) return <Skeleton active paragraph={{ rows: 4 }} />;
  if (entries.length === 0) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('history.empty')} />;

  /** One side of a change; references show the title the server sent, never a bare id. */
  const show = (fieldName: string, v: unknown, title: string | undefined) => {
    if (v === null || v === undefined || v === '') return <span className="ky-empty">—</span>;
    const f = getField(object, fieldName);
    if (!f) return <span>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</span>;
    if (isReference(f) && title === undefined)
      return (
        <span className="ky-empty" title={String(v)}>
          {t('history.unknownRecord')}
        </span>
      );
    return <span>{formatValue(valueType(f), f, v, fmt, lang, { title })}</span>;
  };

  return (
    <AntTimeline
      className="ky-history"
      items={entries.map((e) => {
        const who = e.by_name || (e.by ? t('history.someone') : t('history.system'));
        const fieldLabel = (n: string) => {
          const f = getField(object, n);
          return f ? label(f.labels, n) : n;
        };
        const summary =
          e.operation === 'update'
            ? e.changes.length === 1
              ? t('history.update1', { field: fieldLabel(e.changes[0].field) })
              : t('history.update', { count: e.changes.length })
            : t(`history.${e.operation}`);
        return {
          key: e.id,
          color: OP_COLORS[e.operation] ?? 'blue',
          children: (
            <div className="ky-history-entry">
              <div className="ky-history-head">
                <UserChip name={who} />
                <span>{summary}</span>
                <span className="ky-history-time">{formatDateTime(e.at, fmt)}</span>
              </div>
              {e.operation === 'update' && e.changes.length > 0 && (
                <table className="ky-history-changes">
                  <tbody>
                    {e.changes.map((c) => (
                      <tr key={c.field}>
                        <th>{fieldLabel(c.field)}</th>
                        <td className="ky-history-old">{show(c.field, c.old, c._display?.old)}</td>
                        <td className="ky-history-arrow">→</td>
                        <td>{show(c.field, c.new, c._display?.new)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
          ),
        };
      })}
    />
  );
}

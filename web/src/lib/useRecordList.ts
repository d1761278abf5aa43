import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/endpoints';
import type { QueryBody, RecordData } from '../api/types';
import { peekPrefetchedList, takePrefetchedList } from '../boot';

export interface ListState {
  records: RecordData[];
  nextCursor: string | null;
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  loadMore: () => void;
  reload: () => void;
  /** Replace/insert one record locally (after a create elsewhere). */
  prepend: (r: RecordData) => void;
  /** Replace one record in place (after an inline edit), keeping its position. */
  replace: (r: RecordData) => void;
}

/** Cursor-paginated query of one object; re-runs whenever `key` (the serialised query) changes. */
export function useRecordList(object: string | undefined, body: QueryBody | null, key: string): ListState {
  // The page the boot asked for (src/boot.ts): when it has arrived, the first render shows it.
  // Only peeked at here (a render can be discarded and retried); the effect takes it.
  const [initial] = useState(() => (object && body ? peekPrefetchedList(object, body)?.page : undefined));
  const shownAtFirst = useRef(initial);
  const [records, setRecords] = useState<RecordData[]>(initial?.records ?? []);
  const [nextCursor, setNextCursor] = useState<string | null>(initial?.next_cursor ?? null);
  const [loading, setLoading] = useState(!initial);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  const bodyRef = useRef(body);
  bodyRef.current = body;

  useEffect(() => {
    if (!object || !bodyRef.current) return;
    const my = ++seq.current;
    const ctrl = new AbortController();
    const fromBoot = takePrefetchedList(object, bodyRef.current);
    const shown = shownAtFirst.current;
    shownAtFirst.current = undefined;
    if (shown && fromBoot?.page === shown) return; // the first render showed it already
    setLoading(true);
    setError(null);
    (fromBoot ? fromBoot.promise : api.query(object, { ...bodyRef.current, cursor: null }, ctrl.signal))
      .then((page) => {
        if (my !== seq.current) return;
        setRecords(page.records ?? []);
        setNextCursor(page.next_cursor ?? null);
      })
      .catch((e) => {
        if (my !== seq.current || ctrl.signal.aborted) return;
        setRecords([]);
        setNextCursor(null);
        setError(e);
      })
      .finally(() => {
        if (my === seq.current) setLoading(false);
      });
    return () => ctrl.abort();
  }, [object, key, tick]);

  const loadMore = useCallback(() => {
    if (!object || !bodyRef.current || !nextCursor || loadingMore) return;
    const my = seq.current;
    setLoadingMore(true);
    api
      .query(object, { ...bodyRef.current, cursor: nextCursor })
      .then((page) => {
        if (my !== seq.current) return;
        setRecords((prev) => {
          const seen = new Set(prev.map((r) => r.id));
          return [...prev, ...(page.records ?? []).filter((r) => !seen.has(r.id))];
        });
        setNextCursor(page.next_cursor ?? null);
      })
      .catch((e) => {
        if (my === seq.current) setError(e);
      })
      .finally(() => setLoadingMore(false));
  }, [object, nextCursor, loadingMore]);

  const reload = useCallback(() => setTick((x) => x + 1), []);
  const prepend = useCallback((r: RecordData) => setRecords((prev) => [r, ...prev.filter((p) => p.id !== r.id)]), []);

  const replace = useCallback((r: RecordData) => setRecords((prev) => prev.map((p) => (p.id === r.id ? { ...p, ...r } : p))), []);

  return { records, nextCursor, loading, loadingMore, error, loadMore, reload, prepend, replace };
}

import { useCallback, useEffect, useRef, useState } from 'react';

/** How long typing may pause before the server is asked (one request per pause, not per key). */
export const TYPEAHEAD_DELAY_MS = 250;

export interface Typeahead<T> {
  /** The options found for exactly what is typed now; empty while that answer is on its way. */
  options: T[];
  /** True while the answer for what is typed now has not arrived. */
  loading: boolean;
  /** Give to the select's onSearch. */
  onSearch: (q: string) => void;
  /** Give to the select's onOpenChange: the first opening asks for the unfiltered list. */
  onOpenChange: (open: boolean) => void;
}

/**
 * Options of a type-ahead select that searches the server as the user types.
 *
 * The options always answer the text in the search box: while the answer for newly typed text
 * is still on its way (the pause before asking, then the request), no options are offered, the
 * select shows its spinner. Before, the previous answer (often the unfiltered list asked for
 * on opening) stayed on show meanwhile, so typing a name and pressing Enter quickly — a fast
 * typist, or any user on a busy machine or a slow network — picked whoever was first in the old
 * list, or nothing when that list had not arrived either, and the typed choice was lost.
 */
export function useTypeahead<T>(
  search: (q: string, signal: AbortSignal) => Promise<T[]>,
  delayMs: number = TYPEAHEAD_DELAY_MS,
): Typeahead<T> {
  // What is typed (null until the select is first opened or typed into), and the last answer
  // together with the text it answers.
  const [query, setQuery] = useState<string | null>(null);
  const [answer, setAnswer] = useState<{ q: string; options: T[] } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const abort = useRef<AbortController | null>(null);
  const asked = useRef<string | null>(null);
  const searchRef = useRef(search);
  searchRef.current = search;

  const load = useCallback((q: string) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    abort.current?.abort();
    const ctrl = new AbortController();
    abort.current = ctrl;
    asked.current = q;
    searchRef
      .current(q, ctrl.signal)
      .then((options) => {
        if (!ctrl.signal.aborted) setAnswer({ q, options });
      })
      .catch(() => {
        if (!ctrl.signal.aborted) setAnswer({ q, options: [] });
      });
  }, []);

  useEffect(
    () => () => {
      abort.current?.abort();
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const onSearch = useCallback(
    (q: string) => {
      setQuery(q);
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => load(q), delayMs);
    },
    [load, delayMs],
  );

  const onOpenChange = useCallback(
    (open: boolean) => {
      if (!open || timer.current) return;
      const q = query ?? '';
      setQuery(q);
      // Asked again when the last answer for it was empty (it may have failed).
      if (asked.current !== q || (answer?.q === q && answer.options.length === 0)) load(q);
    },
    [load, query, answer],
  );

  const wanted = query ?? '';
  const current = answer !== null && answer.q === wanted;
  return { options: current ? answer.options : [], loading: query !== null && !current, onSearch, onOpenChange };
}

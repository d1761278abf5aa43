/**
 * The list URL state hook shared by the list and kanban pages: parses view, filter, sort, quick
 * search and grouping from the URL once, writes them back through one function, and opens
 * saved views — including a bookmarked `?view=<id>`, whose filter, sort and search it applies
 * before the page asks for any records (`ready`). The URL rules are in ./listUrl.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api } from '../api/endpoints';
import type { FieldMeta, FilterNode, ObjectMeta, SavedView, SortSpec } from '../api/types';
import { getField } from './fields';
import { parseFilterState, sortFromParam, type FilterState } from './filter';
import { fixedFilterOf, isBareView, STATE_KEYS, viewParams, withParam, type StateKey } from './listUrl';

interface OpenView {
  id: string;
  /** null while it loads, or when no view has that id for this user. */
  view: SavedView | null;
  fixedFilter: FilterNode | null;
  loaded: boolean;
}

export interface ListUrlState {
  /** The open saved view's id (from the URL). */
  viewId: string | null;
  /** The open saved view, once known. */
  view: SavedView | null;
  /** Builder filter, sort and quick search from the URL (stable while their URL text is). */
  filterState: FilterState;
  /** The raw `f` parameter (to tell a reference-label rewrite apart from a user's change). */
  rawFilter: string | null;
  sort: SortSpec[];
  q: string;
  /** Kanban grouping field (`by`). */
  by: string | null;
  /** A view's filter the builder cannot show, applied beside the builder's. */
  fixedFilter: FilterNode | null;
  /** False while a view named by the URL is being fetched: ask for no records yet. */
  ready: boolean;
  resolve: (path: string) => FieldMeta | undefined;
  setParam: (key: StateKey | 'by', value: string) => void;
  /** Open a saved view (null: all records, no view). */
  openView: (view: SavedView | null) => void;
  params: URLSearchParams;
  setParams: ReturnType<typeof useSearchParams>[1];
}

/**
 * `onView` is told which view the page now shows — opened by the user or restored from the URL —
 * so the list can show that view's columns.
 */
export function useListUrlState(object: ObjectMeta, onView?: (view: SavedView | null) => void): ListUrlState {
  const [params, setParams] = useSearchParams();
  const resolve = useCallback((path: string) => getField(object, path), [object]);
  const rawFilter = params.get('f');
  const rawSort = params.get('sort');
  const viewId = params.get('view');
  const filterState = useMemo(() => parseFilterState(rawFilter), [rawFilter]);
  const sort = useMemo(() => sortFromParam(rawSort), [rawSort]);
  const [open, setOpen] = useState<OpenView | null>(null);
  const known = open && open.id === viewId ? open : null;

  // A view named by the URL that this page did not open itself (a bookmark, a reload, a link).
  // Whether the URL is bare and whom to tell are read when the views arrive (the latest values),
  // not reasons to ask for them again: refs, not dependencies.
  const bare = useRef(false);
  bare.current = isBareView(params);
  const notify = useRef(onView);
  notify.current = onView;
  useEffect(() => {
    if (!viewId || known) return;
    const ctrl = new AbortController();
    api
      .views(object.name, ctrl.signal)
      .then((r) => (r.views ?? []).find((v) => v.id === viewId) ?? null)
      .catch(() => null)
      .then((view) => {
        if (ctrl.signal.aborted) return;
        if (!view) {
          // Deleted, or not shared with this user: the list shows all records, without the id.
          setOpen({ id: viewId, view: null, fixedFilter: null, loaded: true });
          setParams((prev) => {
            const next = new URLSearchParams(prev);
            next.delete('view');
            return next;
          }, { replace: true });
          return;
        }
        setOpen({ id: view.id, view, fixedFilter: fixedFilterOf(view, resolve), loaded: true });
        if (bare.current) setParams(viewParams(view, resolve).params, { replace: true });
        notify.current?.(view);
      });
    return () => ctrl.abort();
  }, [viewId, known, object.name, resolve, setParams]);

  const setParam = useCallback(
    (key: StateKey | 'by', value: string) => setParams((prev) => withParam(prev, key, value), { replace: true }),
    [setParams],
  );

  const openView = useCallback(
    (view: SavedView | null) => {
      if (view) {
        const { params: next, fixedFilter } = viewParams(view, resolve);
        setOpen({ id: view.id, view, fixedFilter, loaded: true });
        setParams(next, { replace: true });
      } else {
        setOpen(null);
        setParams(new URLSearchParams(), { replace: true });
      }
      onView?.(view);
    },
    [resolve, setParams, onView],
  );

  // The view is known but the URL does not carry its definition yet (the navigation that puts it
  // there may render after the view's arrival): not ready until it does.
  const applying =
    !!known?.view && isBareView(params) && STATE_KEYS.some((k) => viewParams(known.view!, resolve).params.has(k));

  return {
    viewId,
    view: known?.view ?? null,
    filterState,
    rawFilter,
    sort,
    q: params.get('q') ?? '',
    by: params.get('by'),
    fixedFilter: known?.fixedFilter ?? null,
    ready: !viewId || (!!known?.loaded && !applying),
    resolve,
    setParam,
    openView,
    params,
    setParams,
  };
}

/**
 * The quick-search box: what is typed goes to the URL after a pause (or at once on Enter), and a
 * search set from elsewhere (a view, the back button) replaces what the box shows.
 */
export function useSearchDraft(q: string, setQ: (value: string) => void, delay = 300) {
  const [draft, setDraft] = useState(q);
  const [typed, setTyped] = useState(false);
  const [shown, setShown] = useState(q);
  if (q !== shown) {
    // adjusting state while rendering (React's documented pattern): no effect, no extra paint
    setShown(q);
    setDraft(q);
    setTyped(false);
  }
  useEffect(() => {
    if (!typed) return;
    const h = setTimeout(() => {
      setTyped(false);
      setQ(draft.trim());
    }, delay);
    return () => clearTimeout(h);
  }, [typed, draft, setQ, delay]);
  const change = useCallback((value: string) => {
    setDraft(value);
    setTyped(true);
  }, []);
  const flush = useCallback(() => {
    setTyped(false);
    setQ(draft.trim());
  }, [draft, setQ]);
  return { draft, change, flush };
}

/**
 * A dashboard's state on screen: the stored dashboard, the filters in the bar, the last run of
 * its widgets with those filters, and the draft being edited (layout and name) until saved.
 *
 * Runs follow the filters and the stored version: changing a filter, or saving, runs the
 * widgets again (the previous numbers stay visible, marked as updating, until the new ones
 * arrive; a run overtaken by a newer one is aborted). Each widget is run in a request of its
 * own, all at once: the server runs them in parallel, and each widget shows as soon as its
 * numbers are in instead of all of them waiting for the slowest.
 *
 * The server may answer a widget with the answer it kept for readers with the same access
 * (`cached`, computed at `as_of`); `refresh()` runs every widget again, computing anew.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { dashboardsApi, type Dashboard, type DashboardFilters, type Label, type Widget, type WidgetRun } from './api';
import { runFilters, storedFilters } from './filters';

export interface Draft {
  /** null: the name as stored (it may hold texts by language). */
  name: string | null;
  layout: Widget[];
  /** Names of reports picked for widgets added since the last save (no run names them yet). */
  reportNames: Record<string, Label>;
}

export function useDashboard(id: string) {
  const [dashboard, setDashboard] = useState<Dashboard | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [filters, setFilters] = useState<DashboardFilters>({});
  const [runs, setRuns] = useState<ReadonlyMap<string, WidgetRun>>(() => new Map());
  const [runError, setRunError] = useState<unknown>(null);
  /** The widgets whose run with the current filters is on its way. */
  const [pending, setPending] = useState<ReadonlySet<string>>(() => new Set());
  const [draft, setDraft] = useState<Draft | null>(null);
  /** Bumped by refresh(): runs the widgets again, asking the server to compute anew. */
  const [refreshTick, setRefreshTick] = useState(0);
  const forceNext = useRef(false);

  const load = useCallback(
    (signal?: AbortSignal) => {
      setLoadError(null);
      return dashboardsApi
        .get(id, signal)
        .then((d) => {
          setDashboard(d);
          setFilters(d.filters ?? {});
          setDraft(null);
        })
        .catch((e) => {
          if (!signal?.aborted) setLoadError(e);
        });
    },
    [id],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    setDashboard(null);
    setRuns(new Map());
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const filtersKey = JSON.stringify(runFilters(filters));
  const version = dashboard?.version;
  // The stored widgets the server runs (a target widget asks the attainment API itself).
  const runKey = JSON.stringify((dashboard?.layout ?? []).filter((w) => w.kind !== 'target').map((w) => w.id));
  useEffect(() => {
    if (version === undefined) return;
    const ctrl = new AbortController();
    const ids = JSON.parse(runKey) as string[];
    const runFilter = JSON.parse(filtersKey) as DashboardFilters;
    const force = forceNext.current;
    forceNext.current = false;
    setPending(new Set(ids));
    setRunError(null);
    for (const widgetId of ids) {
      dashboardsApi
        .run(id, runFilter, ctrl.signal, [widgetId], force)
        .then((r) => {
          const answer = r.widgets.find((w) => w.id === widgetId);
          setRuns((cur) => {
            const next = new Map(cur);
            if (answer) next.set(widgetId, answer);
            else next.delete(widgetId);
            return next;
          });
        })
        .catch((e) => {
          // Every widget's request fails alike (the dashboard gone, a filter refused): one error.
          if (!ctrl.signal.aborted) setRunError((cur: unknown) => cur ?? e);
        })
        .finally(() => {
          if (ctrl.signal.aborted) return;
          setPending((cur) => {
            const next = new Set(cur);
            next.delete(widgetId);
            return next;
          });
        });
    }
    return () => ctrl.abort();
  }, [id, version, filtersKey, runKey, refreshTick]);

  const refresh = useCallback(() => {
    forceNext.current = true;
    setRefreshTick((n) => n + 1);
  }, []);

  /** The oldest answer on screen: what "as of" says of the dashboard. */
  const asOf = useMemo(() => {
    let oldest: string | null = null;
    for (const r of runs.values()) {
      if (r.as_of && (oldest === null || Date.parse(r.as_of) < Date.parse(oldest))) oldest = r.as_of;
    }
    return oldest;
  }, [runs]);

  const startEditing = useCallback(() => {
    if (dashboard) setDraft({ name: null, layout: dashboard.layout ?? [], reportNames: {} });
  }, [dashboard]);

  /** Store the draft (name, layout) and the bar's filters as the dashboard's defaults. A stale
   * version rejects with the server's 412 (the caller offers a reload). */
  const save = useCallback(async () => {
    if (!dashboard || !draft) return;
    const saved = await dashboardsApi.update(dashboard.id, dashboard.version, {
      ...(draft.name !== null ? { name: draft.name } : {}),
      layout: draft.layout,
      filters: storedFilters(filters),
    });
    setDashboard(saved);
    setDraft(null);
  }, [dashboard, draft, filters]);

  return {
    dashboard,
    loadError,
    reload: () => load(),
    filters,
    setFilters,
    runs,
    pending,
    runError,
    asOf,
    refresh,
    draft,
    setDraft,
    startEditing,
    cancelEditing: () => setDraft(null),
    save,
  };
}

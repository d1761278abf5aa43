/**
 * A dashboard's state on screen: the stored dashboard, the filters in the bar, the last run of
 * its widgets with those filters, and the draft being edited (layout and name) until saved.
 *
 * Runs follow the filters and the stored version: changing a filter, or saving, runs the
 * widgets again (the previous numbers stay visible, marked as updating, until the new ones
 * arrive; a run overtaken by a newer one is aborted).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { dashboardsApi, type Dashboard, type DashboardFilters, type DashboardRun, type Label, type Widget } from './api';
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
  const [run, setRun] = useState<DashboardRun | null>(null);
  const [runError, setRunError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const [draft, setDraft] = useState<Draft | null>(null);

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
    setRun(null);
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const filtersKey = JSON.stringify(runFilters(filters));
  const version = dashboard?.version;
  useEffect(() => {
    if (version === undefined) return;
    const ctrl = new AbortController();
    setRunning(true);
    setRunError(null);
    dashboardsApi
      .run(id, JSON.parse(filtersKey) as DashboardFilters, ctrl.signal)
      .then((r) => setRun(r))
      .catch((e) => {
        if (!ctrl.signal.aborted) setRunError(e);
      })
      .finally(() => {
        if (!ctrl.signal.aborted) setRunning(false);
      });
    return () => ctrl.abort();
  }, [id, version, filtersKey]);

  const runs = useMemo(() => new Map((run?.widgets ?? []).map((w) => [w.id, w])), [run]);

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
    running,
    runError,
    draft,
    setDraft,
    startEditing,
    cancelEditing: () => setDraft(null),
    save,
  };
}

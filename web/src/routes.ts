/**
 * The code of the pages a person opens first. main.tsx asks for the route's code at startup
 * (before React has even loaded, so this module imports nothing of it); App.tsx renders the
 * pages through lazyRoutes.tsx, which uses a module directly once it has arrived here.
 */
type Module = { default: unknown };

const arrived = new Map<string, unknown>();

function loader<M extends Module>(key: string, load: () => Promise<M>): () => Promise<M> {
  let pending: Promise<M> | undefined;
  return () =>
    (pending ??= load().then((m) => {
      arrived.set(key, m.default);
      return m;
    }));
}

export const routeLoaders = {
  shell: loader('shell', () => import('./components/Shell')),
  home: loader('home', () => import('./pages/HomePage')),
  list: loader('list', () => import('./pages/ListPage')),
  record: loader('record', () => import('./pages/RecordPage')),
  kanban: loader('kanban', () => import('./pages/KanbanPage')),
  dashboard: loader('dashboard', () => import('./pages/dashboards/DashboardPage')),
};

export type RouteKey = keyof typeof routeLoaders;

/** The page's component if its code has arrived. */
export function arrivedRoute(key: RouteKey): unknown {
  return arrived.get(key);
}

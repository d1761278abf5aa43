/**
 * The first pages, lazily loaded but rendered without suspending when their code is already in.
 *
 * main.tsx renders once the route's code has arrived. A plain React.lazy would still suspend on
 * its first render (it learns that its module loaded only in a later microtask), and a shell and
 * a page nested in each other suspended one after the other: React 18 holds back content that
 * suspends again shortly after a fallback (up to 500 ms), so a first list load spent several
 * hundred milliseconds idle. A page whose module has arrived is rendered directly, and stays so
 * (switching from the lazy wrapper to the module later would remount the page).
 */
import { createElement, lazy, useState, type ComponentType } from 'react';
import { arrivedRoute, routeLoaders, type RouteKey } from './routes';

function preloadable(key: RouteKey): ComponentType {
  const Lazy = lazy(routeLoaders[key] as () => Promise<{ default: ComponentType }>);
  function Page() {
    const [direct] = useState(() => arrivedRoute(key) as ComponentType | undefined);
    return createElement(direct ?? Lazy);
  }
  Page.displayName = `Route(${key})`;
  return Page;
}

export const Shell = preloadable('shell');
export const HomePage = preloadable('home');
export const ListPage = preloadable('list');
export const RecordPage = preloadable('record');
export const KanbanPage = preloadable('kanban');
export const DashboardPage = preloadable('dashboard');

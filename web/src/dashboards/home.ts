/**
 * Which dashboard a person's home page shows (GET /api/v1/dashboards/home), and a remembered
 * hint of the last answer.
 *
 * HomePage imports this with the app's first pages, so it holds only this request: the grid,
 * its widgets and their strings load only once the answer names a dashboard. The hint lets a
 * person without a home dashboard see today's home at once (no wait for the answer), and one
 * with a home dashboard start loading its code right away instead of flashing today's home.
 */
import { request } from '../api/client';
import type { HomeChoice } from './api';

const HINT_KEY = 'keyi.home.dashboard';

export function fetchHomeDashboard(signal?: AbortSignal): Promise<HomeChoice> {
  return request<HomeChoice>('/api/v1/dashboards/home', { signal });
}

function hintKey(tenant: string, user: string): string {
  return `${HINT_KEY}:${tenant}:${user}`;
}

/** The dashboard id the last answer named, null for none, undefined when never asked here. */
export function readHomeHint(tenant: string, user: string): string | null | undefined {
  try {
    const raw = localStorage.getItem(hintKey(tenant, user));
    if (raw === null) return undefined;
    return raw === '' ? null : raw;
  } catch {
    return undefined;
  }
}

export function writeHomeHint(tenant: string, user: string, dashboardId: string | null): void {
  try {
    localStorage.setItem(hintKey(tenant, user), dashboardId ?? '');
  } catch {
    /* private mode: the hint is only a head start */
  }
}

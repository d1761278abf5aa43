import { useCallback, useEffect, useRef, useState } from 'react';

/** How often a count is asked for while the tab is visible. */
export const POLL_MS = 30_000;
/** Focus and visibility often fire together: one request for both. */
const MIN_REFRESH_MS = 2_000;

/**
 * A count kept current without a reload (the bell's unread notifications, the approvals waiting
 * for me): asked for on mount, every `pollMs` while the tab is visible (a hidden tab polls
 * nothing), at once when the tab becomes visible again or the window gets focus — which is when
 * someone is about to look — and whenever `event` is dispatched on `window` (another part of the
 * page changed what is counted). The endpoints are one indexed count each, so polling them from
 * every open tab stays cheap. A failed request keeps the last count; the next poll tries again.
 * `fetchCount` should be stable (a module-level function): a new one restarts the polling.
 */
export function usePolledCount(fetchCount: () => Promise<number>, pollMs: number = POLL_MS, event?: string) {
  const [count, setCount] = useState(0);
  const lastAt = useRef(0);
  const alive = useRef(true);
  // Requests may answer out of order (a slow poll sent before a change, then a quick one after
  // it): only the latest request's answer is shown, so an older count never overwrites a newer.
  const latest = useRef(0);

  const refresh = useCallback((force = false) => {
    // Only focus and visibility are merged with each other: a poll that happened to run just
    // before must not swallow the refresh of someone coming back to look.
    if (!force) {
      const now = Date.now();
      if (now - lastAt.current < MIN_REFRESH_MS) return;
      lastAt.current = now;
    }
    const request = ++latest.current;
    fetchCount()
      .then((n) => {
        if (alive.current && request === latest.current) setCount(n);
      })
      .catch(() => {
        /* keep the last count; the next poll tries again */
      });
  }, [fetchCount]);

  useEffect(() => {
    alive.current = true;
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const start = () => {
      stop();
      timer = setInterval(() => refresh(true), pollMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') {
        stop();
      } else {
        refresh();
        start();
      }
    };
    const onFocus = () => refresh();
    const onChanged = () => refresh(true);
    refresh(true);
    if (document.visibilityState !== 'hidden') start();
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('focus', onFocus);
    if (event) window.addEventListener(event, onChanged);
    return () => {
      alive.current = false;
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('focus', onFocus);
      if (event) window.removeEventListener(event, onChanged);
    };
  }, [pollMs, refresh, event]);

  return { count, setCount, refresh };
}

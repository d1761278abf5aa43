/**
 * Follow a run while it moves: ask for it every `interval` ms until it is no longer queued or
 * running. What the wizard's live progress bar reads.
 */
import { useEffect, useRef, useState } from 'react';
import { importsApi, type ImportRun } from './api';
import { isActive } from './wizard';

export const POLL_MS = 500;

export function usePolledRun(initial: ImportRun | null, interval = POLL_MS): [ImportRun | null, (run: ImportRun | null) => void] {
  const [run, setRun] = useState<ImportRun | null>(initial);
  const id = run?.id;
  const active = run ? isActive(run) : false;
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (!id || !active) return;
    const ctrl = new AbortController();
    let stopped = false;
    const tick = async () => {
      try {
        const next = await importsApi.run(id, ctrl.signal);
        if (stopped) return;
        setRun(next);
        if (isActive(next)) timer.current = setTimeout(() => void tick(), interval);
      } catch {
        if (!stopped) timer.current = setTimeout(() => void tick(), interval * 4);
      }
    };
    timer.current = setTimeout(() => void tick(), interval);
    return () => {
      stopped = true;
      ctrl.abort();
      if (timer.current) clearTimeout(timer.current);
    };
  }, [id, active, interval]);

  return [run, setRun];
}

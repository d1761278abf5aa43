/**
 * Run `fn` once the next frame has been painted; returns a cancel function.
 *
 * For work a page starts on mount that nobody waits for, such as a list's total count: sent
 * straight from an effect, a count over a million rows kept the server (on the same small
 * machine as the browser, in the default embedded set-up) busy while the browser was drawing
 * the rows, and the rows appeared later. Also to tell when something is on screen (a
 * dashboard widget's paint mark): the frame's paint runs between the animation frame callback
 * and the task it queues.
 */
import { useEffect } from 'react';

export function afterPaint(fn: () => void): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const frame = requestAnimationFrame(() => {
    timer = setTimeout(fn, 0);
  });
  return () => {
    cancelAnimationFrame(frame);
    if (timer !== undefined) clearTimeout(timer);
  };
}

/** Call `onPainted` after the paint of the render in which `ready` is true (each time either
 * changes while ready: callers that want it once guard it themselves). */
export function usePainted(onPainted: (() => void) | undefined, ready = true): void {
  useEffect(() => {
    if (!onPainted || !ready) return undefined;
    return afterPaint(onPainted);
  }, [onPainted, ready]);
}

/**
 * Run `fn` once the next frame has been painted; returns a cancel function.
 *
 * For work a page starts on mount that nobody waits for, such as a list's total count: sent
 * straight from an effect, a count over a million rows kept the server (on the same small
 * machine as the browser, in the default embedded set-up) busy while the browser was drawing
 * the rows, and the rows appeared later.
 */
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

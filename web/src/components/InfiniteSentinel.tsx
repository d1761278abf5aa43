import { useEffect, useRef, type RefObject } from 'react';

/**
 * Calls onVisible when scrolled into view (infinite scroll). `root` is the scrolling element the
 * sentinel sits in, when that is not the page: the 400 px head start applies to it.
 */
export function InfiniteSentinel({ onVisible, disabled, root }: { onVisible: () => void; disabled?: boolean; root?: RefObject<Element | null> }) {
  const ref = useRef<HTMLDivElement>(null);
  const cb = useRef(onVisible);
  cb.current = onVisible;
  useEffect(() => {
    if (disabled || !ref.current || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) cb.current();
      },
      { root: root?.current ?? null, rootMargin: '400px 0px' },
    );
    io.observe(ref.current);
    return () => io.disconnect();
  }, [disabled, root]);
  return <div ref={ref} className="ky-sentinel" aria-hidden />;
}

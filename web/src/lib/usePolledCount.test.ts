import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { usePolledCount } from './usePolledCount';

describe('usePolledCount', () => {
  it('shows the latest request’s count when an older one answers last', async () => {
    const pending: Array<(n: number) => void> = [];
    const fetchCount = () => new Promise<number>((resolve) => pending.push(resolve));
    const { result } = renderHook(() => usePolledCount(fetchCount, 60_000));
    expect(pending).toHaveLength(1); // asked on mount
    act(() => result.current.refresh(true)); // asked again after a change
    expect(pending).toHaveLength(2);
    await act(async () => {
      pending[1](1); // the newer request answers first…
      pending[0](0); // …then the older, stale one
    });
    await waitFor(() => expect(result.current.count).toBe(1));
  });

  afterEach(() => vi.useRealTimers());

  it('asks again on focus even when a poll ran just before, but once for focus and visibility together', () => {
    vi.useFakeTimers();
    let asked = 0;
    const fetchCount = () => {
      asked += 1;
      return Promise.resolve(asked);
    };
    renderHook(() => usePolledCount(fetchCount, 30_000));
    expect(asked).toBe(1); // on mount
    act(() => vi.advanceTimersByTime(30_000)); // a poll…
    expect(asked).toBe(2);
    act(() => window.dispatchEvent(new Event('focus'))); // …then someone comes back to look
    expect(asked).toBe(3);
    act(() => document.dispatchEvent(new Event('visibilitychange'))); // fired with the focus
    expect(asked).toBe(3);
  });
});

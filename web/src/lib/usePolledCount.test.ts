import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
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
});

import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useTypeahead } from './useTypeahead';

/** A search whose answers the test releases one by one, to play out a slow server. */
function slowServer() {
  const pending = new Map<string, (names: string[]) => void>();
  const search = vi.fn(
    (q: string) =>
      new Promise<string[]>((resolve) => {
        pending.set(q, resolve);
      }),
  );
  const answer = async (q: string, names: string[]) => {
    await act(async () => {
      pending.get(q)?.(names);
    });
  };
  return { search, answer };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('useTypeahead', () => {
  it('never offers the answer to older text while the answer to what is typed is on its way', async () => {
    const server = slowServer();
    const { result } = renderHook(() => useTypeahead<string>(server.search, 250));

    // Opening asks for the unfiltered list; the user types before it arrives.
    act(() => result.current.onOpenChange(true));
    expect(server.search).toHaveBeenCalledWith('', expect.any(AbortSignal));
    act(() => result.current.onSearch('李娜'));
    await server.answer('', ['张伟', '李娜']);
    // The unfiltered list arrived late: it does not answer "李娜", so nothing can be picked
    // from it (Enter would have chosen 张伟), and the select shows that it is searching.
    expect(result.current.options).toEqual([]);
    expect(result.current.loading).toBe(true);

    act(() => vi.advanceTimersByTime(250));
    expect(server.search).toHaveBeenLastCalledWith('李娜', expect.any(AbortSignal));
    await server.answer('李娜', ['李娜']);
    expect(result.current.options).toEqual(['李娜']);
    expect(result.current.loading).toBe(false);
  });

  it('asks once per pause in typing, and not again on reopening for the same text', async () => {
    const server = slowServer();
    const { result } = renderHook(() => useTypeahead<string>(server.search, 250));
    act(() => {
      result.current.onSearch('李');
      result.current.onSearch('李娜');
    });
    act(() => vi.advanceTimersByTime(250));
    expect(server.search.mock.calls.map((c) => c[0])).toEqual(['李娜']);
    await server.answer('李娜', ['李娜']);
    act(() => result.current.onOpenChange(false));
    act(() => result.current.onOpenChange(true));
    expect(server.search).toHaveBeenCalledTimes(1);
    expect(result.current.options).toEqual(['李娜']);
  });

  it('ignores an answer to a search that was replaced by a newer one', async () => {
    const server = slowServer();
    const { result } = renderHook(() => useTypeahead<string>(server.search, 250));
    act(() => result.current.onSearch('王'));
    act(() => vi.advanceTimersByTime(250));
    act(() => result.current.onSearch('李'));
    act(() => vi.advanceTimersByTime(250));
    await server.answer('李', ['李娜']);
    await server.answer('王', ['王芳']);
    expect(result.current.options).toEqual(['李娜']);
  });
});

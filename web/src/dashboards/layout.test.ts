import { describe, expect, it } from 'vitest';
import type { Widget } from './api';
import { addWidget, applyGrid, clampPlace, heightPx, newWidgetId, readingOrder, toGridItems } from './layout';

const w = (id: string, x: number, y: number, wd = 6, h = 8, kind: Widget['kind'] = 'report'): Widget => ({ id, kind, x, y, w: wd, h, report_id: 'r' });

describe('dashboard layout', () => {
  it('keeps places the server accepts: inside 12 columns, heights 1–24', () => {
    expect(clampPlace({ x: 10, y: -2, w: 6, h: 30 })).toEqual({ x: 6, y: 0, w: 6, h: 24 });
    expect(clampPlace({ x: 0, y: 3, w: 0, h: 0 })).toEqual({ x: 0, y: 3, w: 1, h: 1 });
  });

  it('takes the grid’s moves back into the widgets, the same array when nothing moved', () => {
    const widgets = [w('a', 0, 0), w('b', 6, 0)];
    expect(applyGrid(widgets, toGridItems(widgets, true))).toBe(widgets);
    const moved = applyGrid(widgets, [
      { i: 'a', x: 0, y: 8, w: 6, h: 8 },
      { i: 'b', x: 0, y: 0, w: 12, h: 5 },
    ]);
    expect(moved).not.toBe(widgets);
    expect(moved.map((m) => [m.id, m.x, m.y, m.w, m.h])).toEqual([
      ['a', 0, 8, 6, 8],
      ['b', 0, 0, 12, 5],
    ]);
    expect(moved[0].report_id).toBe('r');
  });

  it('grid items are fixed outside edit mode and keep a minimum size per kind', () => {
    const [report, kpi] = toGridItems([w('a', 0, 0), w('k', 6, 0, 3, 4, 'kpi')], false);
    expect(report).toMatchObject({ i: 'a', static: true, minW: 3, minH: 4, maxH: 24 });
    expect(kpi).toMatchObject({ static: true, minW: 2, minH: 3 });
  });

  it('stacks for a phone in reading order: top to bottom, then left to right', () => {
    const order = readingOrder([w('c', 0, 8), w('b', 6, 0), w('a', 0, 0)]).map((x) => x.id);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('adds a widget below the others in its default size, with a fresh id', () => {
    const widgets = [w('a', 0, 0, 6, 8), w('b', 6, 0, 6, 10)];
    const next = addWidget(widgets, { id: newWidgetId(widgets), kind: 'kpi', report_id: 'r', value: 'count' });
    expect(next.at(-1)).toMatchObject({ kind: 'kpi', x: 0, y: 10, w: 3, h: 4 });
    expect(new Set(next.map((x) => x.id)).size).toBe(3);
    let calls = 0;
    // A clash with an existing id draws again.
    const id = newWidgetId([{ ...w('w000000', 0, 0) }], () => (calls++ === 0 ? 0 : 0.5));
    expect(id).not.toBe('w000000');
    expect(heightPx(4)).toBe(4 * 40 + 3 * 12);
  });
});

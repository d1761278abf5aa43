/**
 * The dashboard grid's geometry: 12 columns of rows 40 px high, as the server checks a layout
 * (x 0–11, w 1–12, h 1–24, at most 30 widgets). Pure functions between the stored widgets and
 * react-grid-layout's items, so the page keeps one source of truth (the widgets) and the grid
 * only reports where things moved.
 */
import type { Widget, WidgetKind } from './api';

export const GRID_COLS = 12;
export const ROW_HEIGHT = 40;
export const GRID_GAP = 12;
export const MAX_H = 24;
export const MAX_WIDGETS = 30;
/** Below this container width (a phone) widgets stack in one column, in reading order. */
export const PHONE_MAX_WIDTH = 576;

/** A new widget's size, and the smallest it may be resized to (a KPI needs less room). */
export const DEFAULT_SIZE: Record<WidgetKind, { w: number; h: number }> = {
  report: { w: 6, h: 8 },
  kpi: { w: 3, h: 4 },
  target: { w: 6, h: 8 },
};
export const MIN_SIZE: Record<WidgetKind, { w: number; h: number }> = {
  report: { w: 3, h: 4 },
  kpi: { w: 2, h: 3 },
  target: { w: 3, h: 4 },
};

/** What react-grid-layout needs of an item (and reports back). */
export interface GridItem {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
  minW?: number;
  minH?: number;
  maxH?: number;
  static?: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Math.round(Number.isFinite(v) ? v : lo)));

/** A widget's place made valid for the server: inside the 12 columns, heights 1–24. */
export function clampPlace<T extends Pick<Widget, 'x' | 'y' | 'w' | 'h'>>(widget: T): T {
  const w = clamp(widget.w, 1, GRID_COLS);
  const x = clamp(widget.x, 0, GRID_COLS - w);
  return { ...widget, x, w, y: clamp(widget.y, 0, 10_000), h: clamp(widget.h, 1, MAX_H) };
}

export function toGridItems(widgets: Widget[], editable: boolean): GridItem[] {
  return widgets.map((wd) => {
    const min = MIN_SIZE[wd.kind] ?? MIN_SIZE.report;
    return { i: wd.id, x: wd.x, y: wd.y, w: wd.w, h: wd.h, minW: min.w, minH: min.h, maxH: MAX_H, static: !editable };
  });
}

/** The widgets placed where the grid says (the same objects where nothing moved). */
export function applyGrid(widgets: Widget[], items: readonly Pick<GridItem, 'i' | 'x' | 'y' | 'w' | 'h'>[]): Widget[] {
  const byId = new Map(items.map((it) => [it.i, it]));
  let changed = false;
  const next = widgets.map((wd) => {
    const it = byId.get(wd.id);
    if (!it) return wd;
    const placed = clampPlace({ ...wd, x: it.x, y: it.y, w: it.w, h: it.h });
    if (placed.x === wd.x && placed.y === wd.y && placed.w === wd.w && placed.h === wd.h) return wd;
    changed = true;
    return placed;
  });
  return changed ? next : widgets;
}

/** Reading order (top to bottom, then left to right): the one column a phone shows. */
export function readingOrder(widgets: Widget[]): Widget[] {
  return [...widgets].sort((a, b) => a.y - b.y || a.x - b.x);
}

/** Pixel height of a widget `h` rows high (the gaps it spans included). */
export function heightPx(h: number): number {
  return h * ROW_HEIGHT + (h - 1) * GRID_GAP;
}

/** A widget id unique in the dashboard (the server allows 64 characters). */
export function newWidgetId(existing: Widget[], random: () => number = Math.random): string {
  const taken = new Set(existing.map((w) => w.id));
  for (;;) {
    const id = `w${Math.floor(random() * 36 ** 6).toString(36).padStart(6, '0')}`;
    if (!taken.has(id)) return id;
  }
}

/** The dashboard with `widget` added below everything else, at the left, in its default size. */
export function addWidget(widgets: Widget[], widget: Omit<Widget, 'x' | 'y' | 'w' | 'h'>): Widget[] {
  const size = DEFAULT_SIZE[widget.kind];
  const bottom = widgets.reduce((m, w) => Math.max(m, w.y + w.h), 0);
  return [...widgets, { ...widget, x: 0, y: bottom, w: size.w, h: size.h } as Widget];
}

/** True when two layouts place the same widgets identically and say the same things. */
export function sameWidgets(a: Widget[], b: Widget[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

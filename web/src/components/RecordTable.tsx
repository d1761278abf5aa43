import { useEffect, useLayoutEffect, useRef, useState, type MouseEvent, type ReactNode } from 'react';
import { InfiniteSentinel } from './InfiniteSentinel';
import './recordTable.css';

export interface TableColumn<T> {
  key: string;
  title: ReactNode;
  /** Pixels; the table is laid out from these alone, never from measuring its cells. */
  width: number;
  align?: 'left' | 'right';
  sortable?: boolean;
  render: (row: T) => ReactNode;
}

export type SortDirection = 'asc' | 'desc';

interface Props<T extends { id: string }> {
  columns: TableColumn<T>[];
  rows: T[];
  label: string;
  sort?: { key: string; direction: SortDirection } | null;
  /** Header click: ascending, then descending, then unsorted. */
  onSort?: (key: string, direction: SortDirection | null) => void;
  selection?: { selected: string[]; onChange: (ids: string[]) => void; labels: { all: string; row: (row: T) => string } };
  onRowClick?: (row: T, event: MouseEvent<HTMLTableRowElement>) => void;
  loading?: boolean;
  empty?: ReactNode;
  /** Under the rows, inside the scrolling area ("load more", "that is all"). */
  footer?: ReactNode;
  /** Called when the end of the rows scrolls into view (infinite scroll). */
  onEndReached?: () => void;
  endReachedDisabled?: boolean;
  /** Keep the first column in view while scrolling sideways (desktop). */
  stickyFirstColumn?: boolean;
  /** When this changes (another query), the table scrolls back to its first row. */
  scrollResetKey?: string;
  /**
   * An Element Timing name (https://wicg.github.io/element-timing/) on the rows' first cells:
   * the browser then reports when rows are first painted. bench/first_load.py reads it, and so
   * can any real-user monitoring of how fast lists appear.
   */
  paintTiming?: string;
}

const CHECK_WIDTH = 44;
const SKELETON_ROWS = 8;
/** Every row is one line this tall (recordTable.css), so which rows are in view is arithmetic. */
export const ROW_HEIGHT = 48;
const HEADER_HEIGHT = 45;
/** Rows rendered beyond the visible ones, above and below, so a scroll shows rows at once. */
const OVERSCAN = 8;

/** The rows [first, last) to render for a scroll position: the visible ones and some more. */
export function visibleRange(count: number, scrollTop: number, viewportHeight: number): [number, number] {
  const top = Math.max(0, scrollTop - HEADER_HEIGHT);
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + viewportHeight) / ROW_HEIGHT) + OVERSCAN);
  return [first, Math.max(first, last)];
}

/**
 * The list view's table: a plain <table> laid out from its column widths.
 *
 * Not antd's Table. That one measures its cells after every render (a hidden measure row, scroll
 * and sticky bookkeeping, each a forced layout of the whole table) and mounts several components
 * per cell; on a cold first load of a list it was most of the ~0.9 s between the page's code
 * arriving and the first rows on screen. Here the header and first column stay in place with CSS
 * `position: sticky` inside the table's own scrolling area, so nothing is measured in script.
 *
 * Only the rows in view (and a few around them) are rendered: rows are one line of a fixed
 * height, and spacer rows stand for the others. A first page shows as many rows as fit the
 * window instead of all 50, and a list scrolled through thousands of rows keeps a small page.
 */
export function RecordTable<T extends { id: string }>(props: Props<T>) {
  const { columns, rows, selection, sort, onSort, onRowClick, loading, stickyFirstColumn, scrollResetKey } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  // Before the first layout the window's height bounds the table's: enough rows to fill it.
  const [view, setView] = useState(() => ({ top: 0, height: typeof window === 'undefined' ? 1000 : window.innerHeight }));
  const frame = useRef(0);

  const rendered = useRef<[number, number]>([0, 0]);
  const rowCount = useRef(rows.length);
  rowCount.current = rows.length;

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    // Positions come from the scroll event and sizes from the ResizeObserver's entries, never
    // from reading layout in a frame callback (a forced layout of the whole page). A new
    // position re-renders only when it needs rows that are not rendered yet: a few rows' scroll,
    // or a first layout smaller than the window, change nothing.
    const latest = { top: 0, height: view.height };
    const apply = () => {
      const [first, last] = visibleRange(rowCount.current, latest.top, latest.height);
      const [shownFirst, shownLast] = rendered.current;
      if (first >= shownFirst && last <= shownLast) return;
      setView({ ...latest });
    };
    const schedule = () => {
      cancelAnimationFrame(frame.current);
      frame.current = requestAnimationFrame(apply);
    };
    const onScroll = () => {
      latest.top = el.scrollTop;
      schedule();
    };
    el.addEventListener('scroll', onScroll, { passive: true });
    const ro =
      typeof ResizeObserver === 'undefined'
        ? null
        : new ResizeObserver((entries) => {
            latest.height = entries[entries.length - 1].contentRect.height;
            schedule();
          });
    ro?.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro?.disconnect();
      cancelAnimationFrame(frame.current);
    };
    // Set up once per mount: view.height only seeds the first measurement, after which the
    // ResizeObserver's entries are the source; re-subscribing on each resize would drop frames.
  }, []); // eslint-disable-line react-hooks/exhaustive-deps -- see above

  const firstReset = useRef(true);
  useEffect(() => {
    if (firstReset.current) {
      firstReset.current = false;
      return;
    }
    if (scrollRef.current) scrollRef.current.scrollTop = 0;
  }, [scrollResetKey]);
  const lastClicked = useRef<number | null>(null);
  const allRef = useRef<HTMLInputElement>(null);

  const selected = new Set(selection?.selected ?? []);
  const selectedHere = rows.filter((r) => selected.has(r.id)).length;
  const allChecked = rows.length > 0 && selectedHere === rows.length;
  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = selectedHere > 0 && !allChecked;
  }, [selectedHere, allChecked]);

  const widths = [...(selection ? [CHECK_WIDTH] : []), ...columns.map((c) => c.width)];
  const total = widths.reduce((a, b) => a + b, 0);

  /** Shift-click selects (or clears) every row between the last click and this one. */
  const toggle = (index: number, shift: boolean) => {
    if (!selection) return;
    const row = rows[index];
    const on = !selected.has(row.id);
    const from = shift && lastClicked.current !== null ? Math.min(lastClicked.current, index) : index;
    const to = shift && lastClicked.current !== null ? Math.max(lastClicked.current, index) : index;
    const next = new Set(selected);
    for (const r of rows.slice(from, to + 1)) {
      if (on) next.add(r.id);
      else next.delete(r.id);
    }
    lastClicked.current = index;
    selection.onChange(rows.filter((r) => next.has(r.id)).map((r) => r.id));
  };

  const stickyClass = (i: number) => (stickyFirstColumn && i === 0 ? ' ky-dt-sticky' : '');
  const [first, last] = visibleRange(rows.length, view.top, view.height);
  rendered.current = [first, last];
  const spacer = (key: string, count: number) =>
    count > 0 ? (
      <tr key={key} className="ky-dt-spacer" aria-hidden>
        <td colSpan={widths.length} style={{ height: count * ROW_HEIGHT }} />
      </tr>
    ) : null;
  const stickyLeft = selection ? CHECK_WIDTH : 0;

  return (
    <div className={`ky-dt-scroll${loading && rows.length ? ' is-loading' : ''}`} ref={scrollRef}>
      <table className="ky-dt" style={{ width: total }} aria-label={props.label} aria-busy={loading || undefined} aria-rowcount={rows.length + 1}>
        <colgroup>
          {widths.map((w, i) => (
            <col key={i} style={{ width: w }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {selection && (
              <th className={`ky-dt-check-cell${stickyFirstColumn ? ' ky-dt-sticky' : ''}`} style={{ left: 0 }}>
                <input
                  ref={allRef}
                  type="checkbox"
                  className="ky-dt-check"
                  checked={allChecked}
                  disabled={rows.length === 0}
                  aria-label={selection.labels.all}
                  onChange={() => selection.onChange(allChecked ? [] : rows.map((r) => r.id))}
                  data-testid="select-all"
                />
              </th>
            )}
            {columns.map((c, i) => {
              const direction = sort?.key === c.key ? sort.direction : null;
              return (
                <th
                  key={c.key}
                  scope="col"
                  className={`ky-dt-th${c.align === 'right' ? ' is-right' : ''}${stickyClass(i)}`}
                  style={stickyFirstColumn && i === 0 ? { left: stickyLeft } : undefined}
                  aria-sort={direction === 'asc' ? 'ascending' : direction === 'desc' ? 'descending' : undefined}
                >
                  {c.sortable && onSort ? (
                    <button
                      type="button"
                      className={`ky-dt-sort${direction ? ` is-${direction}` : ''}`}
                      onClick={() => onSort(c.key, direction === null ? 'asc' : direction === 'asc' ? 'desc' : null)}
                      data-testid={`sort-${c.key}`}
                    >
                      <span className="ky-dt-th-text">{c.title}</span>
                      <span className="ky-dt-sort-icon" aria-hidden />
                    </button>
                  ) : (
                    <span className="ky-dt-th-text">{c.title}</span>
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {spacer('above', first)}
          {rows.slice(first, last).map((r, offset) => {
            const index = first + offset;
            const isSelected = selected.has(r.id);
            return (
              <tr
                key={r.id}
                className={`ky-row${isSelected ? ' is-selected' : ''}`}
                aria-rowindex={index + 2}
                onClick={onRowClick ? (e) => onRowClick(r, e) : undefined}
              >
                {selection && (
                  <td className={`ky-dt-check-cell${stickyFirstColumn ? ' ky-dt-sticky' : ''}`} style={{ left: 0 }} onClick={(e) => e.stopPropagation()}>
                    <input
                      type="checkbox"
                      className="ky-dt-check"
                      checked={isSelected}
                      aria-label={selection.labels.row(r)}
                      onChange={() => undefined}
                      onClick={(e) => toggle(index, e.shiftKey)}
                    />
                  </td>
                )}
                {columns.map((c, i) => (
                  <td
                    key={c.key}
                    className={`ky-dt-td${c.align === 'right' ? ' is-right' : ''}${stickyClass(i)}`}
                    style={stickyFirstColumn && i === 0 ? { left: stickyLeft } : undefined}
                    {...(i === 0 && props.paintTiming ? { elementtiming: props.paintTiming } : {})}
                  >
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            );
          })}
          {spacer('below', rows.length - last)}
          {loading &&
            rows.length === 0 &&
            Array.from({ length: SKELETON_ROWS }, (_, i) => (
              <tr key={`skeleton-${i}`} className="ky-dt-skeleton" aria-hidden>
                {widths.map((_w, j) => (
                  <td key={j}>
                    <span className="ky-dt-bone" />
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
      {!loading && rows.length === 0 && <div className="ky-dt-empty">{props.empty}</div>}
      {props.footer}
      {props.onEndReached && rows.length > 0 && <InfiniteSentinel onVisible={props.onEndReached} disabled={props.endReachedDisabled} root={scrollRef} />}
    </div>
  );
}

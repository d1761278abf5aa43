/**
 * The widgets on a 12-column grid (react-grid-layout): dragged by their title bar and resized
 * from their corner in edit mode, fixed otherwise. At phone width they stack in one column in
 * reading order, each as tall as its content — a grid of 12 columns is unreadable on 375 px.
 *
 * Only ever imported lazily (the dashboard page, a home page that has a dashboard), so neither
 * react-grid-layout nor its styles weigh on the other pages.
 */
import ReactGridLayout, { useContainerWidth, type Layout } from 'react-grid-layout';
import 'react-grid-layout/css/styles.css';
import { useMemo, type ReactNode, type RefObject } from 'react';
import type { Widget } from './api';
import { applyGrid, GRID_COLS, GRID_GAP, PHONE_MAX_WIDTH, readingOrder, ROW_HEIGHT, toGridItems } from './layout';

/** Used until the container is measured (and where nothing can be, as in tests). */
const FALLBACK_WIDTH = 1200;

interface Props {
  widgets: Widget[];
  editing: boolean;
  /** The widgets re-placed after a drag or resize (edit mode only). */
  onLayoutChange?: (widgets: Widget[]) => void;
  renderWidget: (widget: Widget) => ReactNode;
}

export default function DashboardGrid({ widgets, editing, onLayoutChange, renderWidget }: Props) {
  const measured = useContainerWidth({ initialWidth: FALLBACK_WIDTH });
  const { width } = measured;
  // React 18's types want a ref of a non-null element; the hook's is React 19's spelling.
  const containerRef = measured.containerRef as RefObject<HTMLDivElement>;
  const phone = width > 0 && width < PHONE_MAX_WIDTH;
  const items = useMemo(() => toGridItems(widgets, editing), [widgets, editing]);

  if (phone) {
    return (
      <div ref={containerRef} className="ky-dash-grid ky-dash-stack" data-testid="dashboard-stack">
        {readingOrder(widgets).map((w) => (
          <div key={w.id} className="ky-dash-cell">
            {renderWidget(w)}
          </div>
        ))}
      </div>
    );
  }
  const changed = (layout: Layout) => {
    if (!editing || !onLayoutChange) return;
    const next = applyGrid(widgets, layout);
    if (next !== widgets) onLayoutChange(next);
  };
  return (
    <div ref={containerRef} className="ky-dash-grid" data-testid="dashboard-grid">
      <ReactGridLayout
        width={width || FALLBACK_WIDTH}
        layout={items}
        gridConfig={{ cols: GRID_COLS, rowHeight: ROW_HEIGHT, margin: [GRID_GAP, GRID_GAP], containerPadding: [0, 0] }}
        dragConfig={{ enabled: editing, handle: '.ky-widget-head', cancel: '.ky-widget-nodrag' }}
        resizeConfig={{ enabled: editing }}
        onLayoutChange={changed}
      >
        {widgets.map((w) => (
          <div key={w.id} className="ky-dash-cell">
            {renderWidget(w)}
          </div>
        ))}
      </ReactGridLayout>
    </div>
  );
}

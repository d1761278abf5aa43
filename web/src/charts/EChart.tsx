/** ECharts, loaded on demand (this module is only ever imported lazily). */
import { BarChart, FunnelChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import { afterPaint } from '../lib/afterPaint';

// Register only what the app draws: Home's pipeline and the reports' charts (reportChart.ts).
echarts.use([BarChart, LineChart, PieChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer]);

export type EChartOption = echarts.EChartsCoreOption;

/** What a click on a bar, point or slice hands back: the data item as the option wrote it. */
export interface EChartClick {
  seriesIndex?: number;
  dataIndex: number;
  data: unknown;
}

interface Props {
  option: EChartOption;
  height?: number;
  onClick?: (e: EChartClick) => void;
  /** Called once the browser has painted an option's first frame (axes, labels; bars and
   * slices then grow for their animation): a dashboard widget's paint mark. */
  onPainted?: () => void;
}

export default function EChart({ option, height = 300, onClick, onPainted }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  // The latest handlers, read when called (the chart is set up once).
  const clicked = useRef(onClick);
  const painted = useRef(onPainted);
  useEffect(() => {
    clicked.current = onClick;
    painted.current = onPainted;
  }, [onClick, onPainted]);

  useEffect(() => {
    if (!ref.current) return;
    const el = ref.current;
    chart.current = echarts.init(el, undefined, { renderer: 'canvas' });
    // `data-drawn` says when the bars have finished growing (tests take screenshots then).
    chart.current.on('finished', () => el.setAttribute('data-drawn', 'true'));
    chart.current.on('click', (p) => clicked.current?.({ seriesIndex: p.seriesIndex, dataIndex: p.dataIndex, data: p.data }));
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => chart.current?.resize()) : null;
    ro?.observe(ref.current);
    return () => {
      ro?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    ref.current?.setAttribute('data-drawn', 'false');
    // setOption draws the first frame into the canvas before it returns (zrender flushes
    // synchronously); the browser shows it with its next paint.
    chart.current?.setOption(option, true);
    return painted.current ? afterPaint(() => painted.current?.()) : undefined;
  }, [option]);

  return <div ref={ref} className={`ky-echart${onClick ? ' is-clickable' : ''}`} style={{ width: '100%', height }} />;
}

/** ECharts, loaded on demand (this module is only ever imported lazily). */
import { BarChart, FunnelChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Register only what the app draws: Home's pipeline and the reports' charts (reportChart.ts).
echarts.use([BarChart, LineChart, PieChart, FunnelChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, CanvasRenderer]);

export type EChartOption = echarts.EChartsCoreOption;

/** What a click on a bar, point or slice hands back: the data item as the option wrote it. */
export interface EChartClick {
  seriesIndex?: number;
  dataIndex: number;
  data: unknown;
}

export default function EChart({ option, height = 300, onClick }: { option: EChartOption; height?: number; onClick?: (e: EChartClick) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  // The latest handler, read at click time (the chart is set up once).
  const clicked = useRef(onClick);
  useEffect(() => {
    clicked.current = onClick;
  }, [onClick]);

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
    chart.current?.setOption(option, true);
  }, [option]);

  return <div ref={ref} className={`ky-echart${onClick ? ' is-clickable' : ''}`} style={{ width: '100%', height }} />;
}

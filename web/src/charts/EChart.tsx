/** ECharts, loaded on demand (this module is only ever imported lazily). */
import { BarChart, FunnelChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

// Register only what the app draws; add chart types here as reports and dashboards need them.
echarts.use([BarChart, FunnelChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type EChartOption = echarts.EChartsCoreOption;

export default function EChart({ option, height = 300 }: { option: EChartOption; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!ref.current) return;
    const el = ref.current;
    chart.current = echarts.init(el, undefined, { renderer: 'canvas' });
    // `data-drawn` says when the bars have finished growing (tests take screenshots then).
    chart.current.on('finished', () => el.setAttribute('data-drawn', 'true'));
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

  return <div ref={ref} className="ky-echart" style={{ width: '100%', height }} />;
}

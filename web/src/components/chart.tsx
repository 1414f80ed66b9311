import { useEffect, useRef } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';

// chart.js is loaded after the first render, in its own chunk: the KPI figures never wait for it.
let chartModule: Promise<typeof import('./chart-setup.js')> | undefined;
function loadCharts(): Promise<typeof import('./chart-setup.js')> {
  chartModule ??= import('./chart-setup.js');
  return chartModule;
}

/** A chart.js chart, drawn once the library is loaded and redrawn when its configuration changes. */
export function Chart({ config, height = 260, label }: { config: ChartConfiguration; height?: number; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let chart: { destroy(): void } | undefined;
    let cancelled = false;
    void loadCharts().then(({ drawChart }) => {
      if (!cancelled && canvas.current) chart = drawChart(canvas.current, config);
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [config]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}

import { median } from './paired-runs.js';

/**
 * How a benchmark started the CLI: the shipped build (`npm run build`, bin/unitcost.js → dist/, what a user runs)
 * or the TypeScript sources under tsx, which loads and transpiles every module at start (~1 s more of
 * `unitcost simulate` at 10M calls: BENCHMARKS.md, "Simulate").
 */
export type CommandWay = 'shipped' | 'tsx';

/** One timed run of the whole command, start to exit. */
export interface WholeCommandRun {
  way: CommandWay;
  seconds: number;
  peakRssMb: number | undefined;
}

/** The runs of one way, in figures. */
export interface WayFigures {
  runs: number;
  medianSeconds: number;
  maxPeakRssMb: number;
}

/**
 * The runs' figures by way, and the verdict on the targets, which is the shipped build's alone: the tsx runs are
 * printed beside it so that nothing is hidden, but they time the bench's loader, not the command a user runs.
 * No shipped run, no verdict (false).
 */
export function wholeCommandFigures(runs: readonly WholeCommandRun[], targets: { seconds: number; peakRssMb: number }): { shipped: WayFigures | null; tsx: WayFigures | null; timeMet: boolean; memoryMet: boolean } {
  const figures = (way: CommandWay): WayFigures | null => {
    const own = runs.filter((run) => run.way === way);
    if (own.length === 0) return null;
    // A run whose peak was never read counts as unknown, so as not met.
    return { runs: own.length, medianSeconds: median(own.map((run) => run.seconds)), maxPeakRssMb: Math.max(...own.map((run) => run.peakRssMb ?? Number.NaN)) };
  };
  const shipped = figures('shipped');
  return {
    shipped,
    tsx: figures('tsx'),
    timeMet: shipped !== null && shipped.medianSeconds < targets.seconds,
    memoryMet: shipped !== null && shipped.maxPeakRssMb < targets.peakRssMb,
  };
}

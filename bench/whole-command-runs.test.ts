import { describe, expect, it } from 'vitest';
import { wholeCommandFigures, type WholeCommandRun } from './whole-command-runs.js';

const targets = { seconds: 10, peakRssMb: 2048 };
const run = (way: WholeCommandRun['way'], seconds: number, peakRssMb = 1300): WholeCommandRun => ({ way, seconds, peakRssMb });

describe('the whole command benchmark figures', () => {
  it('judges the targets on the shipped build alone, and keeps the tsx runs beside it', () => {
    const figures = wholeCommandFigures([run('shipped', 9.4), run('tsx', 10.4), run('shipped', 9.1), run('tsx', 10.2), run('shipped', 9.6, 1400)], targets);
    expect(figures.shipped).toEqual({ runs: 3, medianSeconds: 9.4, maxPeakRssMb: 1400 });
    expect(figures.tsx).toEqual({ runs: 2, medianSeconds: 10.3, maxPeakRssMb: 1300 });
    expect(figures.timeMet).toBe(true);
    expect(figures.memoryMet).toBe(true);
  });

  it('misses the time when the shipped build is slow, however fast the tsx runs were', () => {
    const figures = wholeCommandFigures([run('shipped', 10.4), run('tsx', 9.0), run('shipped', 10.1), run('tsx', 9.2)], targets);
    expect(figures.shipped?.medianSeconds).toBeCloseTo(10.25);
    expect(figures.timeMet).toBe(false);
  });

  it('misses the memory target on one shipped run over it, or one whose peak was never read', () => {
    expect(wholeCommandFigures([run('shipped', 9, 1200), run('shipped', 9, 2100)], targets).memoryMet).toBe(false);
    expect(wholeCommandFigures([run('shipped', 9, 1200), { way: 'shipped', seconds: 9, peakRssMb: undefined }], targets).memoryMet).toBe(false);
    expect(wholeCommandFigures([run('shipped', 9, 1200), run('tsx', 9, 2100)], targets).memoryMet).toBe(true);
  });

  it('gives no verdict without a shipped run', () => {
    const figures = wholeCommandFigures([run('tsx', 5)], targets);
    expect(figures.shipped).toBeNull();
    expect(figures.timeMet).toBe(false);
    expect(figures.memoryMet).toBe(false);
  });
});

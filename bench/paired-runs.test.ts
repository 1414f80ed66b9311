import { describe, expect, it } from 'vitest';
import { median, pairRatios, peakRssMbFromStatus } from './paired-runs.js';

describe('paired benchmark runs', () => {
  it('gives each pair its own ratio against the reference beside it, and their median', () => {
    const { ratios, median: middle } = pairRatios([
      { rate: 30, reference: 40 },
      { rate: 10, reference: 40 },
      { rate: 36, reference: 40 },
    ]);
    expect(ratios).toEqual([0.75, 0.25, 0.9]);
    expect(middle).toBe(0.75);
  });

  it('takes the mean of the middle two for an even count, and NaN for none', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reads the peak resident set (VmHWM), not the current one, from /proc/<pid>/status', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1200000 kB\nVmHWM:\t  409600 kB\nVmRSS:\t  102400 kB\n';
    expect(peakRssMbFromStatus(status)).toBe(400);
    expect(peakRssMbFromStatus('Name:\tnode\n')).toBeUndefined();
  });
});

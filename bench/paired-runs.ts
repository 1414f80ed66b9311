import { readFileSync } from 'node:fs';

/*
 * Helpers for benchmarks that alternate a figure with its reference in the same run (A B A B …), so that
 * both see the same machine load: the ratio of each pair, their median, and a process's peak RSS.
 */

/** One A/B pair: the rate measured and the reference's rate right beside it. */
export interface RatePair {
  rate: number;
  reference: number;
}

/** Each pair's ratio (rate ÷ reference) and their median: the median shrugs off the one pair a neighbour's burst of load spoiled. */
export function pairRatios(pairs: readonly RatePair[]): { ratios: number[]; median: number } {
  const ratios = pairs.map((pair) => pair.rate / pair.reference);
  return { ratios, median: median(ratios) };
}

/** The median of the values (the mean of the middle two for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Peak resident set (VmHWM) in MB from the text of /proc/<pid>/status; undefined when the field is missing. */
export function peakRssMbFromStatus(status: string): number | undefined {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) / 1024 : undefined;
}

/** Peak RSS in MB of a live process, read from /proc before it exits (undefined where /proc is missing or it is gone). */
export function peakRssMbOf(pid: number): number | undefined {
  try {
    return peakRssMbFromStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return undefined;
  }
}

import { readdirSync, readFileSync } from 'node:fs';

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

/** CPU seconds (user + system) a live process's threads have used, summed by thread name (main, libuv pool, V8, DuckDB, workers); empty where /proc is missing. */
export function cpuSecondsByThreadOf(pid: number): Map<string, number> {
  const byName = new Map<string, number>();
  const ticksPerSecond = 100;
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const thread of threads) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${thread}/stat`, 'utf8');
      // The name sits in parentheses and may hold spaces; the fields after it are space-separated.
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(open + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
      const seconds = (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
      const label = thread === String(pid) ? 'main' : name;
      byName.set(label, (byName.get(label) ?? 0) + seconds);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return byName;
}

/** The CPU each thread name used between two readings, largest first, as "name 1.2 s" pieces. */
export function cpuSpentBetween(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([name, seconds]) => [name, seconds - (before.get(name) ?? 0)] as const)
    .filter(([, seconds]) => seconds >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(', ');
}

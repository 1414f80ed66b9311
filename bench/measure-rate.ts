import { performance } from 'node:perf_hooks';

// Bounds the warm-up of very small batches, whose passes take microseconds.
const maximumWarmUps = 10_000;

/** How fast a piece of work ran over several timed repetitions. */
export interface RateMeasurement {
  /** Items processed per repetition. */
  items: number;
  warmUps: number;
  /** Wall-clock seconds of each timed repetition, in the order they ran. */
  seconds: number[];
  /** Items per second of the fastest repetition: the least disturbed by other processes on a shared machine. */
  bestPerSecond: number;
  medianPerSecond: number;
  worstPerSecond: number;
}

/**
 * Runs `work` untimed at least `warmUps` times and for at least `warmUpSeconds` (so the JIT has optimized it
 * whatever the size asked for: one pass over a small batch ends before V8 has finished), then `repetitions`
 * times under the clock. Every run must return the same result: the result keeps the work from being optimized away,
 * and a run that answered differently would mean the timed code is not deterministic.
 */
export function measureRate<Result>(
  items: number,
  work: () => Result,
  options: { warmUps: number; warmUpSeconds?: number; repetitions: number; same?: (a: Result, b: Result) => boolean },
): { measurement: RateMeasurement; result: Result } {
  const same = options.same ?? ((a: Result, b: Result) => a === b);
  let result: Result | undefined;
  const check = (next: Result): void => {
    if (result !== undefined && !same(result, next)) {
      throw new Error('a repetition returned a different result from the previous one: the timed work is not deterministic');
    }
    result = next;
  };
  const warmUpUntil = performance.now() + (options.warmUpSeconds ?? 0) * 1000;
  let warmUps = 0;
  while (warmUps < options.warmUps || (performance.now() < warmUpUntil && warmUps < maximumWarmUps)) {
    check(work());
    warmUps += 1;
  }
  const seconds: number[] = [];
  for (let repetition = 0; repetition < options.repetitions; repetition += 1) {
    const started = performance.now();
    const next = work();
    seconds.push((performance.now() - started) / 1000);
    check(next);
  }
  const rates = seconds.map((elapsed) => items / elapsed).sort((a, b) => a - b);
  const middle = Math.floor(rates.length / 2);
  const median = rates.length % 2 === 1 ? rates[middle]! : (rates[middle - 1]! + rates[middle]!) / 2;
  return {
    measurement: {
      items,
      warmUps,
      seconds,
      bestPerSecond: rates[rates.length - 1]!,
      medianPerSecond: median,
      worstPerSecond: rates[0]!,
    },
    result: result as Result,
  };
}

/**
 * The contract between bench/run.ts and each bench/<name>.bench.ts module. A new benchmark (ingest,
 * reports, HTTP) is one more module exporting `benchmark`; the runner finds it by its file name.
 */

/** The sizes asked for on the command line; a benchmark falls back to its own defaults for what is missing. */
export interface BenchmarkOptions {
  /** How many calls (events, rows…) to generate and time. */
  calls?: number;
  /** How many of those to also run through a slower reference implementation, when the benchmark has one. */
  referenceCalls?: number;
  /** Timed repetitions after the warm-up. */
  repetitions?: number;
  /** Seed of the synthetic data, so a figure can be reproduced exactly. */
  seed?: number;
}

/** What a benchmark hands back: whether its correctness checks passed, and its figures for bench/out/<name>.json. */
export interface BenchmarkOutcome {
  /** False when a correctness check failed; missing a speed target is reported, never a failure (timings are noisy). */
  passed: boolean;
  results: Record<string, unknown>;
}

/** One benchmark module's export. */
export interface Benchmark {
  name: string;
  /** One line for the runner's listing. */
  description: string;
  /** Runs the benchmark and prints a readable summary on stdout. */
  run(options: BenchmarkOptions): Promise<BenchmarkOutcome>;
}

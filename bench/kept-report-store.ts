import { existsSync, rmSync } from 'node:fs';
import { openDuckdbDatabase } from '../src/store/duckdb/duckdb-database.js';
import { generateReportData } from './report-data.js';

/** Seconds of each timed repetition, their median and the best. */
export interface Timing {
  seconds: number[];
  median: number;
  best: number;
}

/** Times `work` `repetitions` times after one untimed warm-up (DuckDB's caches, V8's JIT) unless told not to. */
export async function timed(repetitions: number, work: () => Promise<unknown>, options: { warmUp?: boolean } = {}): Promise<Timing> {
  if (options.warmUp ?? true) await work();
  const seconds: number[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const started = performance.now();
    await work();
    seconds.push((performance.now() - started) / 1000);
  }
  const sorted = [...seconds].sort((a, b) => a - b);
  return { seconds, median: sorted[Math.floor(sorted.length / 2)]!, best: sorted[0]! };
}

/**
 * A store of `events` generated calls at `path`, kept between runs (generating 10M–100M events takes minutes):
 * regenerated only when it holds another number of calls. Returns the seconds generation took, or null when kept.
 */
export async function ensureReportStore(path: string, options: { events: number; days: number; start: string; seed: number }): Promise<number | null> {
  if (existsSync(path)) {
    const database = await openDuckdbDatabase(path);
    const stored = Number((await database.connection.runAndReadAll('SELECT count(*) AS n FROM usage_events')).getRowObjectsJS()[0]!.n);
    database.close();
    if (stored === options.events) return null;
  }
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const started = performance.now();
  const database = await openDuckdbDatabase(path, { memoryLimit: '4GB' });
  try {
    await generateReportData(database.connection, { events: options.events, days: options.days, users: Math.max(1000, Math.floor(options.events / 200)), seed: options.seed, start: options.start });
  } finally {
    database.close();
  }
  return (performance.now() - started) / 1000;
}

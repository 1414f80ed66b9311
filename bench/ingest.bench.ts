import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoJsonl } from '../src/app/demo-service.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';

/*
 * Ingest of demo traffic from JSONL, side by side with DuckDB's own read_json of the same file into a
 * table. Each run is a child process (bench/ingest-child.ts), so its peak RSS (VmHWM) is its own.
 *   npm run bench -- ingest                      1M events
 *   npm run bench -- ingest --calls 10000000     10M events
 * Runs: read_json; ingest; up to 2M events also the re-ingest and ingest --worker.
 * Checks: every record is accepted once, and a second ingest of the same file accepts nothing (all
 * duplicates). Targets (reported, not enforced): at least half read_json's rate, 500k events/s, and a
 * peak RSS under 500 MB.
 */

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const child = join(benchDirectory, 'ingest-child.ts');

interface ChildResult {
  mode: string;
  seconds: number;
  peakRssMb: number;
  stored: Record<string, number>;
}

function runChild(args: string[], environment: Record<string, string> = {}): ChildResult {
  // execArgv carries tsx's loader, as bench/run.ts does for its children.
  const result = spawnSync(process.execPath, [...process.execArgv, child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...environment } });
  if (result.status !== 0) throw new Error(`ingest-child ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const line = result.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(line) as ChildResult;
}

const perSecond = (count: number, seconds: number): number => Math.round(count / seconds);
const format = (value: number): string => value.toLocaleString('en-US');

export const benchmark: Benchmark = {
  name: 'ingest',
  description: 'unitcost ingest of demo JSONL (events/s, peak RSS) beside DuckDB read_json of the same file',
  async run(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
    const events = options.calls ?? 1_000_000;
    const seed = options.seed ?? 1;
    const directory = join(tmpdir(), 'unitcost-bench-ingest');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `demo-${events}-seed${seed}.jsonl`);
    if (!existsSync(file)) {
      const started = performance.now();
      await writeDemoJsonl(file, { events, days: 90, endMs: Date.parse('2026-03-01T00:00:00Z'), seed });
      console.log(`   wrote ${format(events)} demo records (${(statSync(file).size / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s: ${file}`);
    }
    const database = (name: string): string => {
      const path = join(directory, `${name}-${events}.duckdb`);
      rmSync(path, { force: true });
      rmSync(`${path}.wal`, { force: true });
      rmSync(`${path}.tmp`, { force: true, recursive: true });
      return path;
    };

    const readJson = runChild(['read_json', file, database('read-json')]);
    const ingestDb = database('ingest');
    const ingest = runChild(['unitcost', file, ingestDb]);
    // Re-ingests (every record a duplicate) up to 2M events: at 10M each costs longer than the ingest.
    const small = events <= 2_000_000;
    const again = small ? runChild(['unitcost', file, ingestDb]) : undefined;
    // With the conversion worker too (--worker), up to 2M events.
    const withWorker = small ? runChild(['unitcost', file, database('ingest-worker')], { UNITCOST_BENCH_WORKER: '1' }) : undefined;

    const lines = ingest.stored.lines ?? 0;
    const records = readJson.stored.rows ?? 0;
    const passed =
      ingest.stored.accepted === records && ingest.stored.rejected === 0 && (again === undefined || (again.stored.accepted === 0 && again.stored.duplicates === records)) && (withWorker === undefined || withWorker.stored.accepted === records);
    const readJsonRate = perSecond(records, readJson.seconds);
    const ingestRate = perSecond(lines, ingest.seconds);
    console.log(`   read_json  ${format(readJsonRate).padStart(9)} records/s  ${readJson.seconds.toFixed(1).padStart(6)} s  peak RSS ${readJson.peakRssMb.toFixed(0)} MB`);
    console.log(`   ingest     ${format(ingestRate).padStart(9)} records/s  ${ingest.seconds.toFixed(1).padStart(6)} s  peak RSS ${ingest.peakRssMb.toFixed(0)} MB  (${(ingestRate / readJsonRate).toFixed(2)}× read_json)`);
    if (withWorker) {
      const rate = perSecond(withWorker.stored.lines ?? 0, withWorker.seconds);
      console.log(`   --worker   ${format(rate).padStart(9)} records/s  ${withWorker.seconds.toFixed(1).padStart(6)} s  peak RSS ${withWorker.peakRssMb.toFixed(0)} MB  (${(rate / readJsonRate).toFixed(2)}× read_json)`);
    }
    const againRate = again ? perSecond(lines, again.seconds) : undefined;
    if (again && againRate !== undefined) console.log(`   re-ingest  ${format(againRate).padStart(9)} records/s  ${again.seconds.toFixed(1).padStart(6)} s  peak RSS ${again.peakRssMb.toFixed(0)} MB  (all duplicates)`);
    console.log(`   targets: ≥ ${format(Math.round(readJsonRate / 2))}/s (half read_json) and ≥ 500,000/s; peak RSS < 500 MB; checks ${passed ? 'passed' : 'FAILED'}`);
    return {
      passed,
      results: {
        events,
        file,
        fileBytes: statSync(file).size,
        readJson: { ...readJson, recordsPerSecond: readJsonRate },
        ingest: { ...ingest, recordsPerSecond: ingestRate, shareOfReadJson: ingestRate / readJsonRate },
        ...(again ? { reingest: { ...again, recordsPerSecond: againRate } } : {}),
        ...(withWorker ? { ingestWithWorker: { ...withWorker, recordsPerSecond: perSecond(withWorker.stored.lines ?? 0, withWorker.seconds) } } : {}),
      },
    };
  },
};

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
 * Runs: read_json and ingest, alternating, --repetitions times (default 3), so that both meet the same
 * load; then, up to 2M events, the re-ingest and ingest --no-worker once. Each ingest is compared with the
 * read_json run just before it. UNITCOST_BENCH_BASELINE=<checkout> also runs that checkout's
 * bench/ingest-child.ts (say a `git worktree` of the commit before a change) after each ingest: an A/B in
 * the same run. UNITCOST_BENCH_INGEST_NODE_OPTIONS="--max-semi-space-size=64" starts the ingest runs (only)
 * with those Node options.
 * Checks: every record is accepted once, and a second ingest of the same file accepts nothing (all
 * duplicates). Targets (issue 15; reported, not enforced): at least 0.35× read_json's rate (goal 0.5×)
 * with a peak RSS at most 1.25× read_json's.
 */

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const child = join(benchDirectory, 'ingest-child.ts');

interface ChildResult {
  mode: string;
  seconds: number;
  peakRssMb: number;
  stored: Record<string, number>;
}

function runChild(args: string[], environment: Record<string, string> = {}, childPath = child, nodeOptions: string[] = []): ChildResult {
  // execArgv carries tsx's loader, as bench/run.ts does for its children.
  const result = spawnSync(process.execPath, [...nodeOptions, ...process.execArgv, childPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 24, env: { ...process.env, ...environment }, cwd: dirname(dirname(childPath)) });
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

    const baseline = process.env.UNITCOST_BENCH_BASELINE;
    const baselineChild = baseline ? join(baseline, 'bench', 'ingest-child.ts') : undefined;
    if (baselineChild && !existsSync(baselineChild)) throw new Error(`UNITCOST_BENCH_BASELINE: no ${baselineChild}`);
    // Node options for the ingest runs only (not read_json, not the baseline), e.g. --max-semi-space-size=64.
    const ingestNodeOptions = (process.env.UNITCOST_BENCH_INGEST_NODE_OPTIONS ?? '').split(' ').filter((option) => option.length > 0);
    const repetitions = options.repetitions ?? 3;
    const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const loadBefore = load();
    const pad = (label: string): string => label.padEnd(10);
    const line = (label: string, run: ChildResult, count: number, reference?: ChildResult): number => {
      const rate = perSecond(count, run.seconds);
      const versus = reference ? `  (${(rate / perSecond(reference.stored.rows ?? 0, reference.seconds)).toFixed(2)}× read_json, RSS ${(run.peakRssMb / reference.peakRssMb).toFixed(2)}×)` : '';
      console.log(`   ${pad(label)} ${format(rate).padStart(9)} records/s  ${run.seconds.toFixed(1).padStart(6)} s  peak RSS ${run.peakRssMb.toFixed(0)} MB${versus}`);
      return rate;
    };
    interface Repetition {
      readJson: ChildResult;
      ingest: ChildResult;
      baseline?: ChildResult;
      load: string;
    }
    const runs: Repetition[] = [];
    let ingestDb = '';
    for (let repetition = 1; repetition <= repetitions; repetition += 1) {
      const readJson = runChild(['read_json', file, database('read-json')]);
      ingestDb = database('ingest');
      const ingest = runChild(['unitcost', file, ingestDb], {}, child, ingestNodeOptions);
      const before = baselineChild ? runChild(['unitcost', file, database('ingest-baseline')], {}, baselineChild) : undefined;
      runs.push({ readJson, ingest, ...(before ? { baseline: before } : {}), load: load() });
      console.log(`   repetition ${repetition}, load ${runs.at(-1)!.load}`);
      line('read_json', readJson, readJson.stored.rows ?? 0);
      line('ingest', ingest, ingest.stored.lines ?? 0, readJson);
      if (before) line('baseline', before, before.stored.lines ?? 0, readJson);
    }
    // Re-ingests (every record a duplicate) up to 2M events: at 10M each costs longer than the ingest.
    const small = events <= 2_000_000;
    const again = small ? runChild(['unitcost', file, ingestDb]) : undefined;
    // Without the conversion worker (--no-worker; the worker is the default since 2026-12-05), up to 2M events.
    const withoutWorker = small ? runChild(['unitcost', file, database('ingest-no-worker')], { UNITCOST_BENCH_WORKER: '0' }) : undefined;

    const records = runs[0]!.readJson.stored.rows ?? 0;
    const lines = runs[0]!.ingest.stored.lines ?? 0;
    const passed =
      runs.every((run) => run.ingest.stored.accepted === records && run.ingest.stored.rejected === 0 && (run.readJson.stored.rows ?? 0) === records) &&
      (again === undefined || (again.stored.accepted === 0 && again.stored.duplicates === records)) &&
      (withoutWorker === undefined || withoutWorker.stored.accepted === records);
    const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const ratios = runs.map((run) => perSecond(lines, run.ingest.seconds) / perSecond(records, run.readJson.seconds));
    const rssRatios = runs.map((run) => run.ingest.peakRssMb / run.readJson.peakRssMb);
    const baselineRatios = runs.flatMap((run) => (run.baseline ? [perSecond(lines, run.baseline.seconds) / perSecond(records, run.readJson.seconds)] : []));
    const lastReadJson = runs.at(-1)!.readJson;
    if (withoutWorker) line('--no-worker', withoutWorker, withoutWorker.stored.lines ?? 0, lastReadJson);
    if (again) line('re-ingest', again, lines, lastReadJson);
    console.log(`   median of ${repetitions}: ingest ${median(ratios).toFixed(2)}× read_json's rate (${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}), peak RSS ${median(rssRatios).toFixed(2)}× read_json's`);
    if (baselineRatios.length > 0) console.log(`   baseline ${baseline}: ${median(baselineRatios).toFixed(2)}× read_json's rate (${baselineRatios.map((ratio) => ratio.toFixed(2)).join(', ')})`);
    console.log(`   targets: ≥ 0.35× read_json's rate (goal 0.5×), peak RSS ≤ 1.25× read_json's; load ${loadBefore} → ${load()}; checks ${passed ? 'passed' : 'FAILED'}`);
    const rated = (run: ChildResult, count: number) => ({ ...run, recordsPerSecond: perSecond(count, run.seconds) });
    return {
      passed,
      results: {
        events,
        file,
        fileBytes: statSync(file).size,
        repetitions: runs.map((run) => ({
          load: run.load,
          readJson: rated(run.readJson, records),
          ingest: rated(run.ingest, lines),
          ...(run.baseline ? { baseline: rated(run.baseline, lines) } : {}),
        })),
        medianShareOfReadJson: median(ratios),
        medianRssShareOfReadJson: median(rssRatios),
        ...(baselineRatios.length > 0 ? { baseline, baselineMedianShareOfReadJson: median(baselineRatios) } : {}),
        ...(again ? { reingest: rated(again, lines) } : {}),
        ...(withoutWorker ? { ingestWithoutWorker: rated(withoutWorker, withoutWorker.stored.lines ?? 0) } : {}),
      },
    };
  },
};

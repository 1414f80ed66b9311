import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app/create-app.js';
import { writeDemoJsonl } from '../src/app/demo-service.js';
import { ingestFiles } from '../src/app/ingest-service.js';
import { reportSettings } from '../src/app/report-service.js';
import { ClickhouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/store.js';
import { startClickhouseServer } from '../src/testing/clickhouse-server.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';
import { timed, type Timing } from './kept-report-store.js';
import { median, pairRatios } from './paired-runs.js';

/*
 * The ClickHouse store beside the DuckDB store, in the same run (issue 14):
 *   npm run bench -- clickhouse                          1M demo records, 3 alternating repetitions
 *   npm run bench -- clickhouse --calls 10000000 --repetitions 1
 * Ingest: `ingestFiles` (what `unitcost ingest` runs) of the same demo JSONL into a new DuckDB file and a
 * new ClickHouse database (Debian's clickhouse-server, started here on free ports), alternating A B A B,
 * each a child process; reads: `kpis` (the last 30 days) and `report --by feature` over the whole window
 * on the last stores filled, alternating. Checks: both stores hold the same counts and exact cost, and the
 * reads give the same figures. Targets (reported): ClickHouse ingest ≥ DuckDB's rate; KPIs < 1 s at 10M.
 */

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const child = join(benchDirectory, 'clickhouse-child.ts');
const format = (value: number): string => Math.round(value).toLocaleString('en-US');

interface ChildResult {
  backend: string;
  seconds: number;
  peakRssMb: number;
  totals: { lines: number; accepted: number };
}

function runChild(args: string[]): ChildResult {
  const result = spawnSync(process.execPath, [...process.execArgv, child, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`clickhouse-child ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

const settings = (): ReturnType<typeof reportSettings> => reportSettings(createApp({ directory: '/nonexistent-config-directory', environment: {} }).config);
const kpisOf = (store: Store): Promise<unknown> => store.kpis({ period: 'month', revenue: settings().revenue, tiers: settings().tiers });
const reportOf = (store: Store): Promise<unknown> => store.report({ groupBy: ['feature'], period: null, where: [], revenue: settings().revenue, tiers: settings().tiers });

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/**
 * The first `kpis` after the ingest (which brings each store's report summaries up to date: DuckDB's and,
 * since issue 14's summaries, ClickHouse's), then warm `kpis` and `report --by feature`.
 */
async function readTimings(store: Store, repetitions: number): Promise<{ firstKpis: number; kpis: Timing; report: Timing; answers: unknown[] }> {
  const answers: unknown[] = [];
  const firstKpis = await seconds(async () => answers.push(await kpisOf(store)));
  const kpis = await timed(repetitions, async () => answers.push(await kpisOf(store)), { warmUp: false });
  const report = await timed(repetitions, async () => answers.push(await reportOf(store)));
  return { firstKpis, kpis, report, answers: [answers[0], answers.at(-1)] };
}

/**
 * One more batch into days both stores already hold (20,000 demo records of another seed over the same 90
 * days): its ingest, and the first `kpis` after it, which recomputes the summaries of the days it touched.
 */
async function furtherBatch(directory: string, seed: number, stores: Array<{ name: string; store: Store }>): Promise<{ lines: string; answersAgree: boolean }> {
  const file = join(directory, `demo-20000-seed${seed}.jsonl`);
  if (!existsSync(file)) await writeDemoJsonl(file, { events: 20_000, days: 90, endMs: Date.parse('2026-03-01T00:00:00Z'), seed });
  const app = createApp({ directory: '/nonexistent-config-directory', environment: {} });
  const lines: string[] = [];
  const answers: string[] = [];
  for (const { name, store } of stores) {
    const ingest = await seconds(() => ingestFiles(app, store, [file], { rejects: `/tmp/unitcost-bench-clickhouse-${process.pid}-${name}.rejects.jsonl` }));
    let answer: unknown;
    const first = await seconds(async () => (answer = await kpisOf(store)));
    const warm = await seconds(() => kpisOf(store));
    answers.push(JSON.stringify(answer, (_, value) => (typeof value === 'bigint' ? value.toString() : value)));
    lines.push(`${name}: ingest ${ingest.toFixed(1)} s, first kpis after it ${first.toFixed(3)} s (summaries of the touched days recomputed), then ${warm.toFixed(3)} s`);
  }
  return { lines: `   a further 20,000-record batch over the 90 days:\n${lines.map((line) => `     ${line}`).join('\n')}`, answersAgree: answers.every((answer) => answer === answers[0]) };
}

export const benchmark: Benchmark = {
  name: 'clickhouse',
  description: 'ingest, kpis and report --by feature on the ClickHouse store beside the DuckDB store, same run',
  async run(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
    const events = options.calls ?? 1_000_000;
    const repetitions = options.repetitions ?? 3;
    const seed = options.seed ?? 1;
    const directory = join(tmpdir(), 'unitcost-bench-ingest');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, `demo-${events}-seed${seed}.jsonl`);
    if (!existsSync(file)) {
      await writeDemoJsonl(file, { events, days: 90, endMs: Date.parse('2026-03-01T00:00:00Z'), seed });
      console.log(`   wrote ${format(events)} demo records (${(statSync(file).size / 2 ** 20).toFixed(0)} MB): ${file}`);
    }
    const server = await startClickhouseServer();
    const loadBefore = loadavg()[0]!;
    try {
      const pairs: Array<{ duckdb: ChildResult; clickhouse: ChildResult }> = [];
      let duckdbPath = '';
      let clickhouseDatabase = '';
      for (let repetition = 0; repetition < repetitions; repetition += 1) {
        duckdbPath = join(directory, `clickhouse-bench-duckdb-${events}-${repetition}.duckdb`);
        rmSync(duckdbPath, { force: true });
        rmSync(`${duckdbPath}.wal`, { force: true });
        clickhouseDatabase = `bench_${events}_${repetition}`;
        const duckdb = runChild(['duckdb', file, duckdbPath]);
        const clickhouse = runChild(['clickhouse', file, server.url, clickhouseDatabase]);
        pairs.push({ duckdb, clickhouse });
        console.log(
          `   pair ${repetition + 1}: DuckDB ${format(duckdb.totals.lines / duckdb.seconds)}/s (${duckdb.seconds.toFixed(1)} s, ${duckdb.peakRssMb.toFixed(0)} MB)  ClickHouse ${format(clickhouse.totals.lines / clickhouse.seconds)}/s (${clickhouse.seconds.toFixed(1)} s, ${clickhouse.peakRssMb.toFixed(0)} MB)  ratio ${(duckdb.seconds / clickhouse.seconds).toFixed(2)}`,
        );
        if (repetition < repetitions - 1) rmSync(duckdbPath, { force: true });
      }
      const ingestRatios = pairRatios(pairs.map((pair) => ({ rate: pair.clickhouse.totals.lines / pair.clickhouse.seconds, reference: pair.duckdb.totals.lines / pair.duckdb.seconds })));
      const duckdbStore = await DuckdbStore.open(duckdbPath);
      const clickhouseStore = await ClickhouseStore.open({ url: server.url, database: clickhouseDatabase, username: 'default', password: '', origin: { url: 'bench', username: 'bench', password: 'bench' } });
      try {
        const [duckdbCounts, clickhouseCounts] = [await duckdbStore.counts(), await clickhouseStore.counts()];
        const sameCounts = JSON.stringify(duckdbCounts, (_, value) => (typeof value === 'bigint' ? value.toString() : value)) === JSON.stringify(clickhouseCounts, (_, value) => (typeof value === 'bigint' ? value.toString() : value));
        let readsLine = '   reads: not run';
        let sameAnswers: boolean | null = null;
        const reads: Record<string, unknown> = {};
        try {
          const duckdbReads = await readTimings(duckdbStore, repetitions);
          const clickhouseReads = await readTimings(clickhouseStore, repetitions);
          const serialize = (value: unknown) => JSON.stringify(value, (_, inner) => (typeof inner === 'bigint' ? inner.toString() : inner));
          sameAnswers = serialize(duckdbReads.answers) === serialize(clickhouseReads.answers);
          Object.assign(reads, {
            duckdb: { firstKpis: duckdbReads.firstKpis, kpis: duckdbReads.kpis, report: duckdbReads.report },
            clickhouse: { firstKpis: clickhouseReads.firstKpis, kpis: clickhouseReads.kpis, report: clickhouseReads.report },
          });
          const further = await furtherBatch(directory, seed + 1, [
            { name: 'DuckDB', store: duckdbStore },
            { name: 'ClickHouse', store: clickhouseStore },
          ]);
          sameAnswers = sameAnswers && further.answersAgree;
          readsLine =
            `   first kpis after ingest DuckDB ${duckdbReads.firstKpis.toFixed(3)} s  ClickHouse ${clickhouseReads.firstKpis.toFixed(3)} s (summaries built)\n` +
            `   kpis (month)          DuckDB ${duckdbReads.kpis.median.toFixed(3)} s  ClickHouse ${clickhouseReads.kpis.median.toFixed(3)} s (median of ${repetitions})\n` +
            `   report --by feature   DuckDB ${duckdbReads.report.median.toFixed(3)} s  ClickHouse ${clickhouseReads.report.median.toFixed(3)} s\n` +
            `${further.lines}\n` +
            `   same figures from both stores: ${sameAnswers ? 'yes' : 'NO'}`;
        } catch (error) {
          readsLine = `   reads: ${(error as Error).message}`;
        }
        const loadAfter = loadavg()[0]!;
        console.log(`   ingest: ClickHouse / DuckDB rate, pair by pair: ${ingestRatios.ratios.map((ratio) => ratio.toFixed(2)).join(', ')} (median ${ingestRatios.median.toFixed(2)}; target ≥ 1)`);
        console.log(`   peak RSS of the ingest process: DuckDB ${median(pairs.map((pair) => pair.duckdb.peakRssMb)).toFixed(0)} MB, ClickHouse ${median(pairs.map((pair) => pair.clickhouse.peakRssMb)).toFixed(0)} MB (the server's own memory not included)`);
        console.log(readsLine);
        console.log(`   stores hold the same counts and cost: ${sameCounts ? 'yes' : 'NO'}; load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`);
        return {
          passed: sameCounts && sameAnswers !== false && pairs.every((pair) => pair.duckdb.totals.accepted === pair.clickhouse.totals.accepted),
          results: { events, repetitions, pairs, ingestRatios, reads, loadAverage: [loadBefore, loadAfter] },
        };
      } finally {
        await duckdbStore.close();
        await clickhouseStore.close();
      }
    } finally {
      await server.stop();
    }
  },
};

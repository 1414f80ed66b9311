import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app.js';
import { statementOver } from '../src/app/governance/statement-service.js';
import { statementCsv, statementHtml } from '../src/core/governance/statements/statement-documents.js';
import { exactPicodollars, type StatementJson } from '../src/core/governance/statements/statement-json.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import { dropReportSummaries, refreshReportSummaries } from '../src/store/duckdb/report-summaries.js';
import { ensureReportStore, timed, type Timing } from './kept-report-store.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';

/*
 * `unitcost statement` over a month of 10M calls (issue 13: under 10 s): showback by team and by feature,
 * and a chargeback close (report, fingerprint, frozen lines) with the adjustment pass of the month closed
 * before it. The calls are bench/report-data.ts's traffic squeezed into the 30 days of November 2026, with
 * the plans of the report benchmark, so revenue is attributed as a real statement would; platform is shared.
 * Correctness: every statement's lines add up to DuckDB's own Σ cost_total of the month, to the picodollar.
 */

const defaults = { calls: 10_000_000, repetitions: 3, seed: 7, days: 30, start: '2026-11-01' };
/** Issue 13's target for a statement of a month of 10M calls. */
export const statementTargetSeconds = 10;

/** Statement latency over a month of 10M stored calls. */
export const benchmark: Benchmark = {
  name: 'statement',
  description: 'unitcost statement (showback and chargeback, with adjustments) over a month of 10M stored calls',
  run: runStatementBenchmark,
};

async function runStatementBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const calls = options.calls ?? defaults.calls;
  const repetitions = options.repetitions ?? defaults.repetitions;
  const seed = options.seed ?? defaults.seed;
  const directory = join(tmpdir(), 'unitcost-bench');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `statement-${calls}-${seed}.duckdb`);
  const generation = await ensureReportStore(path, { events: calls, days: defaults.days, start: defaults.start, seed });
  log(`${count(calls)} calls over ${defaults.days} days in ${path}${generation === null ? ' (reused)' : ` (generated in ${generation.toFixed(1)} s)`}`);
  const app = createApp({ directory, environment: {}, now: () => new Date('2027-01-05T00:00:00Z') });
  app.config.statements = { allocation: { team: { shared: ['platform'], rule: 'proportional' } } };
  app.config.plans = {
    free: { seat_price_usd_per_month: 0 },
    pro: { seat_price_usd_per_month: 20 },
    enterprise: { seat_price_usd_per_month: 60, included_usd: 40, overage_markup: 0.2 },
  } as typeof app.config.plans;
  const store = await DuckdbStore.open(path);
  const results: Record<string, unknown> = { calls, days: defaults.days, repetitions, seed, store: path };
  let passed = true;
  try {
    const connection = store.database.connection;
    await connection.run('DELETE FROM statement_lines');
    await connection.run('DELETE FROM statements');
    const expected = BigInt(String((await connection.runAndReadAll(`SELECT sum(cost_total)::HUGEINT AS total FROM usage_events WHERE ts >= TIMESTAMP '2026-11-01' AND ts < TIMESTAMP '2026-12-01'`)).getRowObjectsJS()[0]!.total));
    const check = (name: string, statement: StatementJson) => {
      const sum = statement.lines.reduce((total, line) => total + exactPicodollars(line.total.exact), 0n) + exactPicodollars(statement.shared.unallocated.exact);
      const same = sum === expected;
      if (!same) log(`  ${name}: lines add up to ${sum} picodollars, the store's total is ${expected}: MISMATCH`);
      passed &&= same;
    };

    // Cold: the summaries built from scratch, as on the first read of a store written behind unitcost's back.
    // Split in two: the summaries' build is the report layer's one-off cost after a bulk load (any first report
    // pays it); the first statement after it attributes the month's revenue into the revenue cache.
    await dropReportSummaries(connection);
    const build = await refreshReportSummaries(connection);
    log(`  report summaries built from scratch (what any first report on a bulk-loaded store does): ${build.seconds.toFixed(2)} s`);
    const coldStarted = performance.now();
    check('cold showback', await statementOver(app, store, { period: '2026-11', by: 'team' }));
    const cold = (performance.now() - coldStarted) / 1000;
    log(`  first statement after that build (attributes the month's revenue into the cache): ${cold.toFixed(2)} s`);

    const timings: Record<string, Timing> = {};
    timings['showback --period 2026-11 --by team'] = await timed(repetitions, async () => check('showback by team', await statementOver(app, store, { period: '2026-11', by: 'team' })));
    timings['showback --period 2026-11 --by feature'] = await timed(repetitions, async () => check('showback by feature', await statementOver(app, store, { period: '2026-11', by: 'feature' })));
    timings['showback --period 2026-W47 --by team'] = await timed(repetitions, () => statementOver(app, store, { period: '2026-W47', by: 'team' }));
    // Closing: the live figures, the fingerprint of the month's calls and revenue, the frozen lines, in one transaction.
    timings['chargeback --period 2026-11 (closing it)'] = await timed(repetitions, async () => {
      await connection.run('DELETE FROM statement_lines');
      await connection.run('DELETE FROM statements');
      check('chargeback', await statementOver(app, store, { period: '2026-11', by: 'team', mode: 'chargeback' }));
    });
    // The month after a closed one: its own (empty) figures, plus the adjustment pass over closed 2026-11 (live report + fingerprint).
    timings['chargeback --period 2026-12 (adjustment pass over 2026-11)'] = await timed(repetitions, async () => {
      await connection.run("DELETE FROM statement_lines WHERE statement_id = 'team-2026-12'");
      await connection.run("DELETE FROM statements WHERE statement_id = 'team-2026-12'");
      const december = await statementOver(app, store, { period: '2026-12', by: 'team', mode: 'chargeback' });
      passed &&= december.adjustments.length === 0;
    });
    timings['chargeback --period 2026-11 again (the frozen statement)'] = await timed(repetitions, () => statementOver(app, store, { period: '2026-11', by: 'team', mode: 'chargeback' }));
    const frozen = await statementOver(app, store, { period: '2026-11', by: 'team', mode: 'chargeback' });
    timings['format csv + html'] = await timed(repetitions, async () => {
      statementCsv(frozen);
      statementHtml(frozen);
    });
    for (const [name, timing] of Object.entries(timings)) log(`  ${name.padEnd(58)} median ${timing.median.toFixed(3)} s, best ${timing.best.toFixed(3)} s`);
    const worst = Math.max(cold, ...Object.values(timings).map((timing) => timing.median));
    log(`  target: a statement of a month of ${count(calls)} calls under ${statementTargetSeconds} s — slowest with current summaries (first one included) ${worst.toFixed(2)} s: ${worst < statementTargetSeconds ? 'met' : 'MISSED'}`);
    log(`  with the summaries built from scratch first: ${(build.seconds + cold).toFixed(2)} s: ${build.seconds + cold < statementTargetSeconds ? 'met' : 'MISSED'}`);
    log(`  every statement adds up to the store's total of the month to the picodollar: ${passed ? 'yes' : 'NO'}`);
    results.summaryBuildSeconds = build.seconds;
    results.firstStatementSeconds = cold;
    results.timings = timings;
    results.storeTotalPicodollars = expected;
  } finally {
    await store.close();
  }
  return { passed, results };
}




function count(value: number): string {
  return value.toLocaleString('en-US');
}

function log(line: string): void {
  console.log(line);
}

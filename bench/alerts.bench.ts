import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app.js';
import { evaluateAlerts } from '../src/app/governance/evaluate-alerts.js';
import type { FiredAlert } from '../src/core/governance/alerts/fired-alert.js';
import { openDuckdbDatabase } from '../src/store/duckdb/duckdb-database.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import { refreshReportSummaries } from '../src/store/duckdb/report-summaries.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';

/** What evaluation is held to: every rule and budget over 10M stored calls (90 days, ~200 series). */
export const alertsTargets = { evaluateSecondsAt10M: 2 };

const defaults = { calls: 10_000_000, repetitions: 5, seed: 7 };
const days = 90;
const start = '2026-01-01';
// Evaluated at 18:00 on the last day, so that the running day and hour are compared by their part gone by.
const nowMs = Date.parse('2026-03-31T18:00:00Z');

/*
 * 120 features × 20 teams × 3 tiers × 6 models, about one call every 0.78 s for 90 days (at 10M), generated inside
 * DuckDB (INSERT … SELECT FROM range(n)): ingest would time the writer, not the evaluation. Spend has a
 * weekly shape (weekends at half the calls: every other weekend row is skipped) and a daily one (nights
 * quieter). 5,000 users, each with a tier, so that the report summaries' user bitmaps stay small (they
 * are sized by the number of users). One incident is injected: feature-007's outputs are 3× longer on the
 * last day, from 00:00.
 */
const models: Array<[string, number, number, number]> = [
  // model, $/M input, cache read, output
  ['gpt-4.1-mini', 0.4, 0.1, 1.6],
  ['gpt-4.1-nano', 0.1, 0.025, 0.4],
  ['gpt-5', 1.25, 0.125, 10],
  ['claude-haiku-4-5', 1, 0.1, 5],
  ['claude-sonnet-4-5', 3, 0.3, 15],
  ['gemini-2.5-flash', 0.3, 0.075, 2.5],
];

// Every rule kind at every grain, over ~150 series a grain: 120 features daily and hourly, 20 teams, 6 models, 3 tiers, all spend.
// A feature spends about $4.50 a day at 10M calls: the floors scale with the size asked for.
const configFor = (calls: number) => ({
  alerts: [
    { name: 'feature-daily', kind: 'spend_anomaly', per: 'feature', grain: 'day', min_increase_usd: (2 * calls) / 10_000_000 },
    { name: 'feature-hourly', kind: 'spend_anomaly', per: 'feature', grain: 'hour', min_increase_usd: (0.2 * calls) / 10_000_000 },
    { name: 'team-daily', kind: 'spend_anomaly', per: 'team', grain: 'day' },
    { name: 'model-daily', kind: 'spend_anomaly', per: 'model', grain: 'day' },
    { name: 'model-hourly', kind: 'spend_anomaly', per: 'model', grain: 'hour' },
    { name: 'tier-daily', kind: 'spend_anomaly', per: 'user_tier', grain: 'day' },
    { name: 'all-hourly', kind: 'spend_anomaly', grain: 'hour' },
    { name: 'feature-cache', kind: 'kpi_threshold', kpi: 'prompt_cache_hit_rate', per: 'feature', grain: 'week', below: 0.3 },
    { name: 'tier-margin', kind: 'kpi_threshold', kpi: 'inference_margin', per: 'user_tier', below: 0.4 },
  ],
  budgets: [
    { name: 'company-monthly', period: 'month', limit_usd: 50_000, mode: 'soft' },
    { name: 'team-weekly', per: 'team', period: 'week', limit_usd: 500, mode: 'soft' },
  ],
});

/** Evaluating every rule and budget over a generated store of 10M calls (or --calls N). */
export const benchmark: Benchmark = {
  name: 'alerts',
  description: 'unitcost alerts check: every anomaly, KPI and budget rule over 10M stored calls (90 days, ~200 series)',
  run: runAlertsBenchmark,
};

async function runAlertsBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const calls = options.calls ?? defaults.calls;
  const repetitions = options.repetitions ?? defaults.repetitions;
  const seed = options.seed ?? defaults.seed;
  const directory = join(tmpdir(), 'unitcost-bench');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `alerts-${calls}-${seed}.duckdb`);
  const generation = await ensureStore(path, calls, seed);
  log(`${count(calls)} calls in ${path}${generation === null ? ' (reused)' : ` (generated in ${generation.toFixed(1)} s)`}`);
  const configDirectory = mkdtempSync(join(tmpdir(), 'unitcost-bench-alerts-'));
  const config = configFor(calls);
  writeFileSync(join(configDirectory, 'unitcost.config.json'), JSON.stringify(config));
  const app = createApp({ directory: configDirectory, environment: {}, now: () => new Date(nowMs) });
  const store = await DuckdbStore.open(path);
  try {
    // The summaries are refreshed by the first read after a write, as the server's warm-up does: not part of an evaluation.
    const refreshStarted = performance.now();
    await refreshReportSummaries(store.database.connection);
    const refresh = (performance.now() - refreshStarted) / 1000;
    const seconds: number[] = [];
    let alerts: FiredAlert[] = [];
    for (let run = 0; run <= repetitions; run += 1) {
      const started = performance.now();
      alerts = await evaluateAlerts(app, store, nowMs);
      // The first run warms DuckDB's buffers and the JIT; the timed ones follow.
      if (run > 0) seconds.push((performance.now() - started) / 1000);
    }
    // Where the time goes: the same evaluation with one kind of rule at a time (one run each).
    const parts: Record<string, number> = {};
    const only = { anomalies: { alerts: config.alerts.filter((rule) => rule.kind === 'spend_anomaly') }, kpis: { alerts: config.alerts.filter((rule) => rule.kind === 'kpi_threshold') }, budgets: { budgets: config.budgets } };
    for (const [part, partial] of Object.entries(only)) {
      writeFileSync(join(configDirectory, 'unitcost.config.json'), JSON.stringify(partial));
      const partApp = createApp({ directory: configDirectory, environment: {}, now: () => new Date(nowMs) });
      const started = performance.now();
      await evaluateAlerts(partApp, store, nowMs);
      parts[part] = (performance.now() - started) / 1000;
    }
    const sorted = [...seconds].sort((left, right) => left - right);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const stored = Number((await store.database.connection.runAndReadAll('SELECT count(*) AS n FROM usage_events')).getRowObjectsJS()[0]!.n);
    const series = Number((await store.database.connection.runAndReadAll('SELECT count(DISTINCT feature) + count(DISTINCT team) + count(DISTINCT coalesce(priced_model, model)) + count(DISTINCT user_tier) + 1 AS n FROM usage_events')).getRowObjectsJS()[0]!.n);
    const incident = alerts.find((alert) => alert.rule === 'feature-daily' && alert.scope.feature === 'feature-007');
    const topDriver = incident?.cause?.contributions.reduce((best, part) => (part.deltaPicodollars > best.deltaPicodollars ? part : best)).driver;
    const exact = alerts.every((alert) => alert.cause === undefined || alert.cause.contributions.reduce((sum, part) => sum + part.deltaPicodollars, 0n) === alert.cause.currentPicodollars - alert.cause.baselinePicodollars);
    const passed = topDriver === 'output_tokens_per_call' && exact;
    log(`  stored calls: ${stored.toLocaleString('en-US')}`);
    log(`  series watched: ${series} per grain; rules: ${config.alerts.length} + ${config.budgets.length} budgets; alerts fired: ${alerts.length}`);
    log(`  injected incident (feature-007, outputs ×3 today): ${incident ? `fired, top cause ${topDriver}: ${incident.cause!.summary}` : 'NOT FIRED'}`);
    log(`  every cause sums exactly to its change: ${exact ? 'yes' : 'NO'}`);
    log(`  summaries refresh before the first evaluation: ${refresh.toFixed(3)} s (not counted)`);
    log(`  evaluate every rule: median ${median.toFixed(3)} s, best ${sorted[0]!.toFixed(3)} s over ${repetitions} runs (load average ${loadavg().map((load) => load.toFixed(2)).join(' ')})`);
    log(`  of which (one run each): ${Object.entries(parts).map(([part, time]) => `${part} ${time.toFixed(3)} s`).join(', ')}`);
    if (calls === 10_000_000) log(`  target: under ${alertsTargets.evaluateSecondsAt10M} s — ${median < alertsTargets.evaluateSecondsAt10M ? 'met' : 'MISSED'}`);
    return {
      passed,
      results: { calls, storedCalls: stored, parts, days, seed, repetitions, series, alerts: alerts.length, seconds, median, best: sorted[0], refreshSeconds: refresh, generationSeconds: generation, incidentFired: incident !== undefined, incidentTopDriver: topDriver ?? null, causesExact: exact },
    };
  } finally {
    await store.close();
    rmSync(configDirectory, { recursive: true, force: true });
  }
}

async function ensureStore(path: string, calls: number, seed: number): Promise<number | null> {
  if (existsSync(path)) {
    const database = await openDuckdbDatabase(path);
    const stored = Number((await database.connection.runAndReadAll('SELECT count(*) AS n FROM usage_events')).getRowObjectsJS()[0]!.n);
    database.close();
    if (stored > 0) return null;
  }
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  const started = performance.now();
  const database = await openDuckdbDatabase(path, { memoryLimit: '4GB' });
  try {
    await generate(database.connection, calls, seed);
  } finally {
    database.close();
  }
  return (performance.now() - started) / 1000;
}

async function generate(connection: Awaited<ReturnType<typeof openDuckdbDatabase>>['connection'], calls: number, seed: number): Promise<void> {
  const draw = (row: string, stream: number) => `((hash(${row}, ${seed}, ${stream}) % 1000000) / 1000000.0)`;
  for (const [model, input, cacheRead, output] of models) {
    await connection.run(`INSERT INTO prices VALUES ($id, 'bench', $model, 'benchmark', $input, $cache_read, $input, $input, $output, $output, 0, 0, 0, '[]')`, {
      id: `bench:${model}`,
      model,
      input: Math.round(input * 1e6),
      cache_read: Math.round(cacheRead * 1e6),
      output: Math.round(output * 1e6),
    });
  }
  const rates = models.map(([model, input, cacheRead, output], index) => `(${index}, '${model}', ${Math.round(input * 1e6)}::BIGINT, ${Math.round(cacheRead * 1e6)}::BIGINT, ${Math.round(output * 1e6)}::BIGINT)`).join(', ');
  // About 70.6% of the rows survive the weekly and daily shape: generate enough for `calls` to be stored.
  const rows = Math.round(calls / 0.7063);
  const stepMicros = Math.floor((days * 86_400_000_000) / rows);
  const lastDay = `TIMESTAMP '${start}' + INTERVAL ${days - 1} DAY`;
  await connection.run(`
    INSERT INTO usage_events (id, content_hash, ts, provider, model, priced_provider, priced_model, price_id, unpriced_reason,
      input_tokens, cache_read_tokens, cache_write_5m_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, input_audio_tokens, output_audio_tokens,
      cost_input, cost_cache_read, cost_cache_write_5m, cost_cache_write_1h, cost_output, cost_reasoning, cost_audio, cost_request, cost_total,
      feature, team, user_tier, user_id, session_id, task_id, step, environment, attributes,
      status, retry_of, latency_ms, time_to_first_token_ms, response_cache, reported_cost_usd, source)
    WITH rates(m, model, input_rate, cache_read_rate, output_rate) AS (VALUES ${rates}),
    draws AS (
      SELECT i, TIMESTAMP '${start}' + to_microseconds(i * ${stepMicros}) AS ts, ${draw('i', 1)} AS f, ${draw('i', 2)} AS t, ${draw('i', 3)} AS c, ${draw('i', 4)} AS k
      FROM range(${rows}) r(i)
    ),
    shaped AS (
      -- Weekends keep half their calls, nights (00:00-07:00) a third: the seasonal shape the baseline must follow.
      SELECT *, (f * 120)::INTEGER % 120 AS feature_number, (f * 6 * 120)::INTEGER % 6 AS m, (k * 1000)::INTEGER * 5 + (f * 5)::INTEGER AS user_number FROM draws
      WHERE NOT (isodow(ts) >= 6 AND k < 0.5) AND NOT (hour(ts) < 7 AND k < 0.66)
    ),
    tokens AS (
      SELECT shaped.*, rates.*,
        1000 + (t * 3000)::BIGINT AS input_tokens,
        (100 + (t * 600)::BIGINT) * CASE WHEN feature_number = 7 AND ts >= ${lastDay} THEN 3 ELSE 1 END AS output_tokens,
        CASE WHEN c < 0.6 THEN 800 ELSE 0 END AS cache_read_tokens
      FROM shaped JOIN rates USING (m)
    )
    SELECT 'a' || i, 'bench', ts, 'bench', model, 'bench', model, 'bench:' || model, NULL,
      input_tokens, cache_read_tokens, 0, 0, output_tokens, 0, 0, 0,
      (input_tokens - cache_read_tokens) * input_rate, cache_read_tokens * cache_read_rate, 0, 0, output_tokens * output_rate, 0, 0, 0,
      (input_tokens - cache_read_tokens) * input_rate + cache_read_tokens * cache_read_rate + output_tokens * output_rate,
      'feature-' || lpad(feature_number::VARCHAR, 3, '0'), 'team-' || lpad((feature_number % 20)::VARCHAR, 2, '0'),
      CASE WHEN user_number % 20 = 0 THEN 'enterprise' WHEN user_number % 4 = 1 THEN 'pro' ELSE 'free' END,
      'user-' || user_number, NULL, NULL, NULL, 'production', NULL,
      'ok', NULL, 300, NULL, NULL, NULL, 'bench'
    FROM tokens
  `);
}

function count(value: number): string {
  return value >= 1_000_000 ? `${value / 1_000_000}M` : value.toLocaleString('en-US');
}

function log(line: string): void {
  console.log(line);
}

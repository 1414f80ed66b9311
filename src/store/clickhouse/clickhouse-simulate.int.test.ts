import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { fillStoreWithDemo } from '../../app/demo-service.js';
import { buildSimulationRates } from '../../app/simulation-rates.js';
import { newBaselineCache, simulateOnStore } from '../../app/simulate-service.js';
import { loadSimulationScenario } from '../../config/simulation-scenario-file.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { simpleDraw } from '../../core/simulate/replay-calls.js';
import type { ReplayPlan } from '../../core/simulate/replay-plan.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { DuckdbStore } from '../duckdb/duckdb-store.js';
import type { EventBatch, EventWriter } from '../event-writer.js';
import { replayedCallsSql, replayedColumns } from '../sql/simulate-replay-queries.js';
import { clickhouseDialect, duckdbDialect } from '../sql/sql-dialect.js';
import type { SimulationGroupRow } from '../simulation-replayer.js';
import type { Store } from '../store.js';
import { ClickhouseStore } from './clickhouse-store.js';

/*
 * The replay is written once (src/store/sql/simulate-*.ts) and run by both backends: the same demo traffic
 * goes into a DuckDB store and a ClickHouse store, and every call, every group sum and the simulate JSON must
 * come out the same, to the picodollar. DuckDB's side is held to the TypeScript reference replay by
 * simulate-replay.int.test.ts, so agreeing with it is agreeing with the reference.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-simulate-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let server: ClickhouseTestServer;
let duckdb: DuckdbStore;
let clickhouse: ClickhouseStore;

// Reshapes some demo calls, the same way for both stores, so that every path of the replay is taken: sessions
// that span two features (counted once in total), a feature no lever names (left as recorded unless its model
// is repriced), and web searches (priced at a routed call's new model, none for a cached answer).
function reshape(batch: EventBatch): EventBatch {
  const usage = (batch.usage ?? []).map((row) => {
    const draw = (salt: string, modulo: number): number => simpleDraw(row.id, salt) % modulo;
    const shaped = { ...row };
    if ((shaped.feature === 'coding-agent' || shaped.feature === 'support-faq') && draw('shared', 5) === 0) {
      shaped.sessionId = `shared-${draw('session', 40)}`;
      shaped.taskId = null;
    }
    if ((shaped.feature === 'intent-classifier' && draw('rerank', 3) === 0) || (shaped.feature === 'support-faq' && draw('rerank', 7) === 1)) shaped.feature = 'search-rerank';
    if ((shaped.feature === 'coding-agent' || shaped.feature === 'support-faq') && draw('search', 4) === 0) shaped.webSearchRequests = 1 + draw('searches', 3);
    return shaped;
  });
  return { ...batch, usage };
}

beforeAll(async () => {
  server = await startClickhouseServer();
  duckdb = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  clickhouse = await ClickhouseStore.open({
    ...server.settings('simulate'),
  });
  // One demo, each batch reshaped and appended to both stores.
  const both: Pick<EventWriter, 'appendBatch'> = {
    appendBatch: async (batch) => {
      const shaped = reshape(batch);
      const [outcome] = await Promise.all([duckdb.appendBatch(shaped), clickhouse.appendBatch(shaped)]);
      return outcome;
    },
  };
  await fillStoreWithDemo(app, both as EventWriter, { events: 4_000, days: 20, endMs, seed: 11 });
}, 120_000);

afterAll(async () => {
  await clickhouse?.close();
  await duckdb?.close();
  await server?.stop();
  rmSync(directory, { recursive: true, force: true });
});

// Every per-call lever at once, each on traffic the demo has; the session limit and the response cache's TTL
// are the two that read calls in order (windows in DuckDB, sorted arrays in ClickHouse).
const levers = [
  { route: { feature: 'coding-agent', share: 0.6, to: 'anthropic/claude-sonnet-4-5', cascade: { escalation_share: 0.3 } } },
  { route: { feature: 'support-faq', to: 'openai/gpt-4.1-mini', when: { step_from: 2 }, misroute_rate: 0.1 } },
  { fine_tune: { feature: 'doc-summarizer', target_model: 'openai/gpt-4.1-nano', share: 0.5, training_usd: 100 } },
  { prompt_cache: { feature: 'coding-agent', prefix_tokens: 3_000, hit_rate: 0.7, ttl: '1h' } },
  { response_cache: { feature: 'support-faq', hit_rate: 0.3, ttl_minutes: 30, embedding_usd_per_lookup: 0.0001 } },
  { output_cap: { feature: 'doc-summarizer', max_tokens: 200 } },
  { prompt_trim: { feature: 'support-faq', share: 0.25, after_step: 1 } },
  { session_limit: { feature: 'coding-agent', max_steps: 6, max_session_usd: 0.5 } },
  { price_change: { overrides: { 'claude-haiku-4-5': { input: 0.5 } }, batch: { feature: 'doc-summarizer', discount: 0.5 } } },
  { self_host: { feature: 'intent-classifier', gpu_usd_per_hour: 2, tokens_per_second: 2_000 } },
];
const everyLever = simulationScenarioSchema.parse({ levers });
// Without the price override only the named features can be touched: DuckDB then counts sessions its own packed way.
const namedFeaturesOnly = simulationScenarioSchema.parse({
  levers: levers.map((lever) => ('price_change' in lever && lever.price_change ? { price_change: { batch: lever.price_change.batch } } : lever)),
});

async function compiled(scenario: typeof everyLever, overrides: boolean): Promise<{ plan: ReplayPlan; rates: ReturnType<typeof buildSimulationRates>; window: { fromMs: number; toMs: number } }> {
  const groups = await duckdb.pricingGroups({});
  const window = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
  const targets = [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4.1-mini' },
    { provider: 'openai', model: 'gpt-4.1-nano' },
  ];
  const rates = buildSimulationRates(groups, targets, app.catalog, window, {
    tiers: defaultModelTierSettings,
    overrides: new Map(overrides ? [['claude-haiku-4-5', { input: 0.5 }]] : []),
  });
  const targetOf = targets.map((target) => rates.keyOf(target.provider, target.model)!);
  const overriddenKeys = overrides ? rates.keys.filter((key) => key.model === 'claude-haiku-4-5').map((key) => key.key) : [];
  return { window, rates, plan: compileReplayPlan(scenario, { targetKey: (index) => targetOf[Math.min(index, 2)]!, overriddenKeys }) };
}

// A value either backend hands back, as one comparable text: booleans as 0/1 (ClickHouse's UInt8), integers as text.
function comparable(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

const sortedGroups = (rows: SimulationGroupRow[]): SimulationGroupRow[] =>
  [...rows].sort((a, b) => JSON.stringify([a.grouping, a.feature, a.userTier, a.userId, a.routeIndex, a.modelKey]).localeCompare(JSON.stringify([b.grouping, b.feature, b.userTier, b.userId, b.routeIndex, b.modelKey])));

describe('the replay on ClickHouse', () => {
  it('holds the same traffic as the DuckDB store', async () => {
    expect(await clickhouse.counts()).toEqual(await duckdb.counts());
    expect(await clickhouse.pricingGroups({})).toEqual(await duckdb.pricingGroups({}));
  });

  it('replays every call as DuckDB does, column for column, under every per-call lever', async () => {
    const { plan, rates, window } = await compiled(everyLever, true);
    const columns = replayedColumns.join(', ');
    const duckdbCalls = (await duckdb.database.connection.runAndReadAll(`SELECT ${columns} FROM (${replayedCallsSql(plan, rates.keys, rates.rates, window, duckdbDialect)}) AS calls ORDER BY id`)).getRowObjects();
    const clickhouseCalls = await clickhouse.connection.rows(`SELECT ${columns} FROM (${replayedCallsSql(plan, rates.keys, rates.rates, window, clickhouseDialect)}) ORDER BY id`);
    const table = (rows: Array<Record<string, unknown>>) => rows.map((row) => replayedColumns.map((name) => comparable(row[name])));
    expect(clickhouseCalls.length).toBe(duckdbCalls.length);
    expect(table(clickhouseCalls)).toEqual(table(duckdbCalls));
    // Every lever acted, the ordered ones among them, so agreement is not agreement on doing nothing.
    const some = (name: (typeof replayedColumns)[number]): boolean => duckdbCalls.some((call) => call[name] === true);
    for (const name of ['dropped', 'routed', 'escalated', 'fine_tuned', 'prompt_cache_hit', 'prompt_cache_miss', 'response_hit', 'truncated', 'batched', 'repriced', 'self_hosted'] as const) {
      expect(some(name), name).toBe(true);
    }
    expect(duckdbCalls.some((call) => call.response_lookup === true && call.response_hit === false)).toBe(true);
  }, 60_000);

  it.each([
    ['an override reprices a model in every feature', everyLever, true],
    ['the levers reach the features they name only', namedFeaturesOnly, false],
  ] as const)('sums every group exactly as DuckDB does: features, user tiers, route rules, models, users, sessions (%s)', async (_, scenario, overrides) => {
    const { plan, rates, window } = await compiled(scenario, overrides);
    const query = { range: window, plan, keys: rates.keys, rates: rates.rates, byUser: true };
    const [fromDuckdb, fromClickhouse] = [sortedGroups(await duckdb.replay(query)), sortedGroups(await clickhouse.replay(query))];
    expect(fromClickhouse).toEqual(fromDuckdb);
    const total = fromDuckdb.find((row) => row.grouping === 'total')!;
    expect(total.sums.sessions_cut).toBeGreaterThan(0n);
    expect(total.sums.response_hits).toBeGreaterThan(0n);
    expect(fromDuckdb.filter((row) => row.grouping === 'user').length).toBeGreaterThan(10);
  }, 60_000);

  it("gives optimize the same feature profiles", async () => {
    const profiles = await duckdb.featureProfiles({});
    expect(profiles.length).toBeGreaterThan(3);
    expect(await clickhouse.featureProfiles({})).toEqual(profiles);
    const lastWeek = { fromMs: endMs - 7 * 86_400_000, toMs: endMs };
    expect(await clickhouse.featureProfiles(lastWeek)).toEqual(await duckdb.featureProfiles(lastWeek));
  });

  it('gives the same simulate JSON for examples/what-if.yaml', async () => {
    const text = readFileSync(new URL('../../../examples/what-if.yaml', import.meta.url), 'utf8');
    const run = (store: Store) => simulateOnStore(app, store, loadSimulationScenario({ text, name: 'what-if.yaml' }), { baseline: newBaselineCache() });
    const expected = await run(duckdb);
    expect(expected.total.calls_touched).toBeGreaterThan(0);
    expect(expected.levers.length).toBeGreaterThan(5);
    expect(await run(clickhouse)).toEqual(expected);
  }, 60_000);
});

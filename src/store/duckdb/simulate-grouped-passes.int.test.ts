import type { DuckDBConnection } from '@duckdb/node-api';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { fillStoreWithDemo } from '../../app/demo-service.js';
import { buildSimulationRates } from '../../app/simulation-rates.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import type { SimulationGroupRow } from '../simulation-replayer.js';
import { groupKey } from '../sql/simulate-replay-groups.js';
import { DuckdbStore } from './duckdb-store.js';
import { replayAggregates } from './simulate-replay.js';

/*
 * DuckDB sums the replayed calls once, by GROUPING SETS, into the flag rows and one row per (user, session) that
 * the three passes sum again ('grouped' staging, simulate-replay-grouped.ts), the session counts read off words of
 * bits or-ed per session. Whatever the plan — features known or not, words with a slot per feature or kept per
 * feature, words too wide to fit — every group row and every sum must be what the three replays give; and so
 * must the replayed calls staged one row each for the passes to read ('calls' staging, ReplayStaging).
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-grouped-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 6_000, days: 20, endMs, seed: 17 });
  // Sessions across two features, calls without a session, and users who change tier: a (user, session) row is not a session.
  await store.database.connection.run(`UPDATE usage_events SET session_id = 'shared-' || (hash(id) % 40), task_id = NULL
    WHERE feature IN ('coding-agent', 'support-faq') AND hash(id) % 5 = 0`);
  await store.database.connection.run(`UPDATE usage_events SET session_id = NULL, task_id = NULL WHERE feature = 'doc-summarizer' AND hash(id) % 4 = 0`);
  await store.database.connection.run(`UPDATE usage_events SET user_tier = 'team' WHERE feature = 'coding-agent' AND hash(id) % 7 = 0`);
  // Unpriced calls: a model no catalog knows.
  await store.database.connection.run(`UPDATE usage_events SET model = 'in-house-model', provider = NULL, cost_total = NULL WHERE feature = 'support-faq' AND hash(id) % 9 = 0`);
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

// Every lever, among them the two ordered steps (a TTL, session limits by steps and by budget).
const levers = [
  { route: { feature: 'coding-agent', share: 0.6, to: 'anthropic/claude-sonnet-4-5', misroute_rate: 0.2 } },
  { route: { feature: 'support-faq', to: 'openai/gpt-4.1-mini', when: { step_from: 2 } } },
  { fine_tune: { feature: 'doc-summarizer', target_model: 'openai/gpt-4.1-nano', share: 0.5, training_usd: 100 } },
  { prompt_cache: { feature: 'coding-agent', prefix_tokens: 3_000, hit_rate: 0.7 } },
  { response_cache: { feature: 'support-faq', hit_rate: 0.5, ttl_minutes: 30, embedding_usd_per_lookup: 0.0001 } },
  { output_cap: { feature: 'doc-summarizer', max_tokens: 200 } },
  { prompt_trim: { feature: 'support-faq', share: 0.25, after_step: 1 } },
  { session_limit: { feature: 'coding-agent', max_steps: 6, max_session_usd: 0.5 } },
  { price_change: { batch: { feature: 'doc-summarizer', discount: 0.5 } } },
  { self_host: { feature: 'intent-classifier', gpu_usd_per_hour: 2, tokens_per_second: 2_000 } },
];
// A lever without a feature reaches every one: the words cannot have a slot per feature.
const everyFeature = [...levers.filter((lever) => !('output_cap' in lever)), { output_cap: { max_tokens: 150 } }];
// Twelve more route rules: a word would need more than 127 bits, so the calls are staged one row each instead.
const manyRoutes = [
  ...levers,
  ...Array.from({ length: 12 }, (_, step) => ({ route: { feature: 'support-faq', to: 'openai/gpt-4.1-nano', share: 0.5, when: { step_from: step + 3, step_to: step + 3 } } })),
];

async function query(compiled: ReturnType<typeof simulationScenarioSchema.parse>, byUser: boolean) {
  const groups = await store.pricingGroups({});
  const range = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
  const targets = [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4.1-mini' },
    { provider: 'openai', model: 'gpt-4.1-nano' },
  ];
  const rates = buildSimulationRates(groups, targets, app.catalog, range, { tiers: defaultModelTierSettings });
  const targetOf = targets.map((target) => rates.keyOf(target.provider, target.model)!);
  const plan = compileReplayPlan(compiled, { targetKey: (index) => targetOf[Math.min(index, 2)]!, overriddenKeys: [] });
  return { range, plan, keys: rates.keys, rates: rates.rates, byUser };
}

const byGroup = (rows: SimulationGroupRow[]) => new Map(rows.map((row) => [groupKey(row), row.sums]));

// The connection, and every statement run on it: which way the passes went.
function recorded(connection: DuckDBConnection): { connection: DuckDBConnection; statements: string[] } {
  const statements: string[] = [];
  const runAndReadAll = (sql: string) => {
    statements.push(sql);
    return connection.runAndReadAll(sql);
  };
  return { connection: new Proxy(connection, { get: (target, name) => (name === 'runAndReadAll' ? runAndReadAll : Reflect.get(target, name)) }), statements };
}

describe('the replay summed once by grouping sets for its three passes', () => {
  it.each([
    ['every lever, per user', levers, true, 'a slot per feature'],
    ['every lever, without users', levers, false, 'a slot per feature'],
    ['without session limits', levers.filter((lever) => !('session_limit' in lever)), true, 'a slot per feature'],
    ['a lever on every feature, per user', everyFeature, true, 'words per feature'],
    ['a lever on every feature, without users', everyFeature, false, 'words per feature'],
    ['too many route rules for a word', manyRoutes, true, 'calls staged'],
  ] as const)('gives every group row and sum the three replays give (%s)', async (_, chosen, byUser, way) => {
    const replayQuery = await query(simulationScenarioSchema.parse({ levers: chosen }), byUser);
    const connection = await store.database.instance.connect();
    try {
      const replayed = byGroup(await replayAggregates(connection, replayQuery, null));
      const run = recorded(connection);
      const grouped = byGroup(await replayAggregates(run.connection, replayQuery, 'grouped'));
      const summedOnce = run.statements.some((sql) => sql.includes('GROUPING SETS'));
      const perFeatureWords = run.statements.some((sql) => sql.includes('across_features') && sql.includes('bit_or'));
      expect({ summedOnce, perFeatureWords }).toEqual({ summedOnce: way !== 'calls staged', perFeatureWords: way === 'words per feature' });
      expect([...grouped.keys()].sort()).toEqual([...replayed.keys()].sort());
      for (const [key, sums] of replayed) expect(grouped.get(key), key).toEqual(sums);
      // The calls staged one row each ('calls', the way a too-wide word falls back to) give the same.
      const staged = byGroup(await replayAggregates(connection, replayQuery, 'calls'));
      expect([...staged.keys()].sort()).toEqual([...replayed.keys()].sort());
      for (const [key, sums] of replayed) expect(staged.get(key), key).toEqual(sums);
      // The data reached what the passes read: users, cut, routed and per-feature sessions, unpriced calls.
      const total = replayed.get(groupKey({ grouping: 'total', feature: null, userTier: null, userId: null, routeIndex: null, modelKey: null }))!;
      expect(total.sessions_touched).toBeGreaterThan(0n);
      expect(total.routed_sessions).toBeGreaterThan(0n);
      expect(total.unpriced_calls).toBeGreaterThan(0n);
      const faq = replayed.get(groupKey({ grouping: 'feature', feature: 'support-faq', userTier: null, userId: null, routeIndex: null, modelKey: null }))!;
      expect(faq.sessions_touched).toBeGreaterThan(0n);
      if (byUser) expect([...replayed.keys()].filter((key) => key.startsWith('["user"')).length).toBeGreaterThan(10);
      if (replayQuery.plan.sessionLimits.length > 0) expect(total.sessions_cut).toBeGreaterThan(0n);
    } finally {
      connection.closeSync();
    }
  }, 60_000);
});

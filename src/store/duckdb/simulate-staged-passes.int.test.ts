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
 * DuckDB replays the calls once into a scratch table that the three passes (sums by flag row, per-user sums,
 * session counts) read, instead of each pass running the lever chain again (simulate-replay-groups.ts,
 * ReplayStaging). Whatever is staged, every group row and every sum must be what the three replays give.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-staged-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 6_000, days: 20, endMs, seed: 13 });
  // Sessions across two features, and calls without a session, so that the session counts cannot be per feature only.
  await store.database.connection.run(`UPDATE usage_events SET session_id = 'shared-' || (hash(id) % 40), task_id = NULL
    WHERE feature IN ('coding-agent', 'support-faq') AND hash(id) % 5 = 0`);
  await store.database.connection.run(`UPDATE usage_events SET session_id = NULL, task_id = NULL WHERE feature = 'doc-summarizer' AND hash(id) % 4 = 0`);
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

describe('the replay staged once for its three passes', () => {
  it.each([
    ['every lever, per user', levers, true],
    ['every lever, without users', levers, false],
    ['without session limits', levers.filter((lever) => !('session_limit' in lever)), true],
  ] as const)('gives every group row and sum the three replays give (%s)', async (_, chosen, byUser) => {
    const replayQuery = await query(simulationScenarioSchema.parse({ levers: chosen }), byUser);
    const connection = await store.database.instance.connect();
    try {
      const replayed = byGroup(await replayAggregates(connection, replayQuery, null));
      const staged = byGroup(await replayAggregates(connection, replayQuery, 'calls'));
      expect([...staged.keys()].sort()).toEqual([...replayed.keys()].sort());
      for (const [key, sums] of replayed) expect(staged.get(key), key).toEqual(sums);
      // The data reached what the passes read: users, cut and counted sessions, unpriced calls.
      const total = replayed.get(groupKey({ grouping: 'total', feature: null, userTier: null, userId: null, routeIndex: null, modelKey: null }))!;
      expect(total.sessions_touched).toBeGreaterThan(0n);
      expect(total.unpriced_calls).toBeGreaterThan(0n);
      if (byUser) expect([...replayed.keys()].filter((key) => key.startsWith('["user"')).length).toBeGreaterThan(10);
      if (replayQuery.plan.sessionLimits.length > 0) expect(total.sessions_cut).toBeGreaterThan(0n);
    } finally {
      connection.closeSync();
    }
  }, 60_000);
});

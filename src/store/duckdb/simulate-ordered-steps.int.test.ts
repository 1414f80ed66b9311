import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { fillStoreWithDemo } from '../../app/demo-service.js';
import { buildSimulationRates } from '../../app/simulation-rates.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { drawSalt } from '../../core/simulate/replay-plan.js';
import { replayCalls, type ReplayCall } from '../../core/simulate/replay-calls.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import { DuckdbStore } from './duckdb-store.js';
import { replayedCallsSql } from './simulate-replay-sql.js';
import { stageSimulationKeys } from './simulate-replay.js';

/*
 * The two ordered steps at their edges, where DuckDB answers them without sorting every call: a response
 * cache's TTL by buckets of one TTL, session limits by a window over the sessions that can reach a cap only
 * (simulate-replay-queries.ts). Calls are set at times a TTL apart exactly, a millisecond more or less, several
 * at the same millisecond (ordered by id), across bucket edges; sessions at, under and over their caps.
 */

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-edges-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
const ttlMs = 30 * 60_000;
// A multiple of the TTL, so that calls fall on bucket edges.
const startMs = Date.UTC(2026, 2, 1);
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'edges.duckdb'));
  await fillStoreWithDemo(app, store, { events: 1_200, days: 10, endMs, seed: 5 });
  // FAQ calls in groups of three at one millisecond; the groups a TTL apart, a millisecond more or a millisecond less.
  await store.database.connection.run(`UPDATE usage_events SET ts = epoch_ms(${startMs} + g * ${ttlMs} + CASE g % 4 WHEN 1 THEN 1 WHEN 2 THEN -1 ELSE 0 END)
    FROM (SELECT id AS faq_id, (row_number() OVER (ORDER BY id) - 1) // 3 AS g FROM usage_events WHERE feature = 'support-faq') AS faq
    WHERE id = faq_id`);
  // Agent calls in sessions of a few calls (under max_steps: cut by the budget only), some two at one millisecond.
  await store.database.connection.run(`UPDATE usage_events SET session_id = 'agent-' || (n % 160), task_id = NULL, ts = epoch_ms(${startMs} + (n // 2) * 1000)
    FROM (SELECT id AS agent_id, row_number() OVER (ORDER BY id) AS n FROM usage_events WHERE feature = 'coding-agent') AS agent
    WHERE id = agent_id AND n % 160 < 120`);
  // Summaries in sessions of their own, limited by steps only.
  await store.database.connection.run(`UPDATE usage_events SET session_id = 'summary-' || (n % 25), task_id = NULL
    FROM (SELECT id AS summary_id, row_number() OVER (ORDER BY id) AS n FROM usage_events WHERE feature = 'doc-summarizer') AS summary
    WHERE id = summary_id`);
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const scenario = simulationScenarioSchema.parse({
  levers: [
    { response_cache: { feature: 'support-faq', hit_rate: 1, ttl_minutes: 30 } },
    { session_limit: { feature: 'coding-agent', max_steps: 4, max_session_usd: 0.08 } },
    { session_limit: { feature: 'doc-summarizer', max_steps: 3 } },
  ],
});

describe('the ordered steps of the SQL replay', () => {
  it('agree with the reference replay call by call at the TTL and at the session caps, and the staged replay sums the same', async () => {
    const groups = await store.pricingGroups({});
    const window = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
    const rates = buildSimulationRates(groups, [], app.catalog, window, { tiers: defaultModelTierSettings });
    const plan = compileReplayPlan(scenario, { targetKey: () => 0, overriddenKeys: [] });
    const connection = await store.database.instance.connect();
    try {
      await stageSimulationKeys(connection, rates.keys);
      const sqlRows = (await connection.runAndReadAll(`SELECT * FROM (${replayedCallsSql(plan, rates.keys, rates.rates, window)}) ORDER BY id`)).getRowObjects();
      const stored = (
        await connection.runAndReadAll(`SELECT e.*, epoch_ms(e.ts) AS ts_ms, k.key AS model_key FROM usage_events e
          JOIN sim_keys k ON e.model = k.model AND e.provider IS NOT DISTINCT FROM k.provider ORDER BY e.id`)
      ).getRowObjects();
      const salt = drawSalt(plan.responseCaches[0]!.drawKey, 'select');
      const draws = await connection.runAndReadAll(`SELECT id, CAST(md5_number(id || '#${salt}') >> 96 AS BIGINT) % 1000000 AS value FROM usage_events`);
      const drawOf = new Map(draws.getRowObjects().map((row) => [row.id as string, Number(row.value)]));
      const calls: ReplayCall[] = stored.map((row) => ({
        id: row.id as string, tsMs: Number(row.ts_ms), feature: (row.feature as string | null) ?? null, userTier: (row.user_tier as string | null) ?? null,
        step: row.step === null ? null : Number(row.step), sessionKey: ((row.session_id ?? row.task_id) as string | null) ?? null, modelKey: Number(row.model_key),
        inputTokens: Number(row.input_tokens), cacheReadTokens: Number(row.cache_read_tokens), cacheWrite5mTokens: Number(row.cache_write_5m_tokens),
        cacheWrite1hTokens: Number(row.cache_write_1h_tokens), inputAudioTokens: Number(row.input_audio_tokens), outputTokens: Number(row.output_tokens),
        reasoningTokens: Number(row.reasoning_tokens), outputAudioTokens: Number(row.output_audio_tokens), webSearchRequests: Number(row.web_search_requests),
        costPicodollars: row.cost_total === null ? null : BigInt(row.cost_total as bigint),
      }));
      const reference = new Map(replayCalls(calls, plan, rates.rates, (id) => drawOf.get(id)!).map((call) => [call.id, call]));

      expect(sqlRows.length).toBe(reference.size);
      for (const row of sqlRows) {
        const expected = reference.get(row.id as string)!;
        expect({ hit: row.response_hit, dropped: row.dropped, cost: row.cost === null ? null : BigInt(row.cost as bigint) }, `call ${row.id}`).toEqual({
          hit: expected.responseCacheHit, dropped: expected.dropped, cost: expected.costPicodollars,
        });
      }
      // The edges were reached: calls a TTL apart exactly hit, a millisecond more miss, ties at one millisecond
      // hit after the first; sessions cut by steps and by budget, others not cut.
      const faq = calls.filter((call) => call.feature === 'support-faq');
      const hits = faq.filter((call) => reference.get(call.id)!.responseCacheHit).length;
      expect(hits).toBeGreaterThan(faq.length / 2);
      expect(hits).toBeLessThan(faq.length - 1);
      const dropped = [...reference.values()].filter((call) => call.dropped).length;
      expect(dropped).toBeGreaterThan(0);
      const agents = calls.filter((call) => call.feature === 'coding-agent' && call.sessionKey?.startsWith('agent-'));
      expect(agents.filter((call) => !reference.get(call.id)!.dropped).length).toBeGreaterThan(0);
      const summaries = calls.filter((call) => call.feature === 'doc-summarizer');
      expect(summaries.filter((call) => reference.get(call.id)!.dropped).length).toBeGreaterThan(0);

      // The store's replay stages both steps in scratch tables (replayGroups): the same hits, drops and cost.
      const total = (await store.replay({ range: window, plan, keys: rates.keys, rates: rates.rates, byUser: true })).find((row) => row.grouping === 'total')!;
      const made = sqlRows.filter((row) => row.dropped !== true);
      expect(total.sums.calls).toBe(BigInt(made.length));
      expect(total.sums.cost).toBe(made.reduce((sum, row) => sum + (row.cost === null ? 0n : BigInt(row.cost as bigint)), 0n));
      expect(total.sums.response_cache_hits).toBe(BigInt(made.filter((row) => row.response_hit === true || row.response_cache === 'hit').length));
    } finally {
      connection.closeSync();
    }
  }, 60_000);
});

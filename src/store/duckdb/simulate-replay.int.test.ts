import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app/create-app.js';
import { fillStoreWithDemo } from '../../app/demo-service.js';
import { buildSimulationRates } from '../../app/simulation-rates.js';
import { defaultModelTierSettings } from '../../core/kpi/model-tier.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { drawSalt, type ReplayPlan } from '../../core/simulate/replay-plan.js';
import { replayCalls, type ReplayCall } from '../../core/simulate/replay-calls.js';
import { simulationScenarioSchema } from '../../core/simulate/scenario-schema.js';
import { DuckdbStore } from './duckdb-store.js';
import { replayedCallsSql } from './simulate-replay-sql.js';
import { stageSimulationTables } from './simulate-replay.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 8_000, days: 20, endMs, seed: 11 });
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

// Every per-call lever at once, each on traffic the demo has.
const scenario = simulationScenarioSchema.parse({
  levers: [
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
  ],
});

async function replayBoth(plan: ReplayPlan, rates: ReturnType<typeof buildSimulationRates>) {
  const connection = await store.database.instance.connect();
  try {
    await stageSimulationTables(connection, rates.keys, rates.rates);
    const sql = await connection.runAndReadAll(`SELECT * FROM (${replayedCallsSql(plan, rates.keys, rates.rates, 'TRUE')}) ORDER BY id`);
    const stored = await connection.runAndReadAll(`SELECT e.*, epoch_ms(e.ts) AS ts_ms, k.key AS model_key FROM usage_events e
      JOIN sim_keys k ON e.model = k.model AND e.provider IS NOT DISTINCT FROM k.provider ORDER BY e.id`);
    const keys = [...plan.routes, ...plan.fineTunes, ...plan.promptCaches, ...plan.responseCaches].map((entry) => entry.drawKey);
    const salts = keys.flatMap((key) => [drawSalt(key, 'select'), drawSalt(key, 'escalate')]);
    const draws = await connection.runAndReadAll(
      `SELECT id || '#' || salt AS name, hash(id, salt) % 1000000 AS value FROM usage_events, (SELECT unnest([${salts.map((salt) => `'${salt}'`).join(', ')}]) AS salt)`,
    );
    const drawTable = new Map(draws.getRowObjects().map((row) => [row.name as string, Number(row.value)]));
    const calls: ReplayCall[] = stored.getRowObjects().map((row) => ({
      id: row.id as string,
      tsMs: Number(row.ts_ms),
      feature: (row.feature as string | null) ?? null,
      userTier: (row.user_tier as string | null) ?? null,
      step: row.step === null ? null : Number(row.step),
      sessionKey: ((row.session_id ?? row.task_id) as string | null) ?? null,
      modelKey: Number(row.model_key),
      inputTokens: Number(row.input_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWrite5mTokens: Number(row.cache_write_5m_tokens),
      cacheWrite1hTokens: Number(row.cache_write_1h_tokens),
      inputAudioTokens: Number(row.input_audio_tokens),
      outputTokens: Number(row.output_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      outputAudioTokens: Number(row.output_audio_tokens),
      costPicodollars: row.cost_total === null ? null : BigInt(row.cost_total as bigint),
    }));
    const reference = replayCalls(calls, plan, rates.rates, (id, salt) => drawTable.get(`${id}#${salt}`)!);
    return { sqlRows: sql.getRowObjects(), reference };
  } finally {
    connection.closeSync();
  }
}

describe('the SQL replay', () => {
  it('agrees with the reference replay call by call, to the picodollar, under every per-call lever', async () => {
    const groups = await store.pricingGroups({});
    const window = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
    const targets = [
      { provider: 'anthropic', model: 'claude-sonnet-4-5' },
      { provider: 'openai', model: 'gpt-4.1-mini' },
      { provider: 'openai', model: 'gpt-4.1-nano' },
    ];
    const rates = buildSimulationRates(groups, targets, app.catalog, window, { tiers: defaultModelTierSettings, overrides: new Map([['claude-haiku-4-5', { input: 0.5 }]]) });
    const overriddenKeys = rates.keys.filter((key) => key.model === 'claude-haiku-4-5').map((key) => key.key);
    const targetOf = [0, 1, 2].map((index) => rates.keyOf(targets[index]!.provider, targets[index]!.model)!);
    const plan = compileReplayPlan(scenario, { targetKey: (index) => (index === 0 ? targetOf[0]! : index === 1 ? targetOf[1]! : targetOf[2]!), overriddenKeys });
    const { sqlRows, reference } = await replayBoth(plan, rates);

    expect(sqlRows.length).toBe(reference.length);
    const byId = new Map(reference.map((call) => [call.id, call]));
    for (const row of sqlRows) {
      const expected = byId.get(row.id as string)!;
      const actual = {
        cost: row.cost === null ? null : BigInt(row.cost as bigint),
        dropped: row.dropped,
        modelKey: Number(row.model_key),
        input: Number(row.input_tokens),
        cacheRead: Number(row.cache_read_tokens),
        cacheWrite: Number(row.cache_write_5m_tokens) + Number(row.cache_write_1h_tokens),
        output: Number(row.output_tokens),
        reasoning: Number(row.reasoning_tokens),
        touched: row.touched,
        flags: [row.routed, row.escalated, row.fine_tuned, row.prompt_cache_hit, row.prompt_cache_miss, row.response_lookup, row.response_hit, row.truncated, row.batched, row.self_hosted],
      };
      expect(actual, `call ${row.id}`).toEqual({
        cost: expected.costPicodollars,
        dropped: expected.dropped,
        modelKey: expected.modelKey,
        input: expected.inputTokens,
        cacheRead: expected.cacheReadTokens,
        cacheWrite: expected.cacheWrite5mTokens + expected.cacheWrite1hTokens,
        output: expected.outputTokens,
        reasoning: expected.reasoningTokens,
        touched: expected.touched,
        flags: [expected.routed, expected.escalated, expected.fineTuned, expected.promptCacheHit, expected.promptCacheMiss, expected.responseCacheLookup, expected.responseCacheHit, expected.truncated, expected.batched, expected.selfHosted],
      });
    }
    // Every lever really acted on this data, so agreement is not agreement on doing nothing.
    const count = (flag: (call: (typeof reference)[number]) => boolean): number => reference.filter(flag).length;
    expect(count((call) => call.routed && call.escalated)).toBeGreaterThan(0);
    expect(count((call) => call.routed && !call.escalated)).toBeGreaterThan(0);
    expect(count((call) => call.fineTuned)).toBeGreaterThan(0);
    expect(count((call) => call.promptCacheHit)).toBeGreaterThan(0);
    expect(count((call) => call.promptCacheMiss)).toBeGreaterThan(0);
    expect(count((call) => call.responseCacheHit)).toBeGreaterThan(0);
    expect(count((call) => call.truncated)).toBeGreaterThan(0);
    expect(count((call) => call.inputTokensCut > 0)).toBeGreaterThan(0);
    expect(count((call) => call.dropped)).toBeGreaterThan(0);
    expect(count((call) => call.batched)).toBeGreaterThan(0);
    expect(count((call) => call.selfHosted)).toBeGreaterThan(0);
    expect(count((call) => !call.touched)).toBeGreaterThan(0);
  }, 60_000);
});

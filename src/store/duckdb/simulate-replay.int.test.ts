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
import type { SimulationSum } from '../simulation-replayer.js';
import { DuckdbStore } from './duckdb-store.js';
import { replayedCallsSql, touchableFeatures } from './simulate-replay-sql.js';
import { stageSimulationKeys, userRowSums } from './simulate-replay.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-'));
const endMs = Date.UTC(2026, 2, 15);
const app = createApp({ directory: '/nonexistent', now: () => new Date(endMs) });
let store: DuckdbStore;

beforeAll(async () => {
  store = await DuckdbStore.open(join(directory, 'demo.duckdb'));
  await fillStoreWithDemo(app, store, { events: 8_000, days: 20, endMs, seed: 11 });
  // Some sessions span two features (an agent that also asks support), so counting sessions in total or per
  // route rule cannot add up the per-feature counts.
  await store.database.connection.run(`UPDATE usage_events SET session_id = 'shared-' || (hash(id) % 40), task_id = NULL
    WHERE feature IN ('coding-agent', 'support-faq') AND hash(id) % 5 = 0`);
  // A feature no lever names: its calls replay as recorded, except those of claude-haiku-4-5, which the
  // scenario reprices.
  await store.database.connection.run(`UPDATE usage_events SET feature = 'search-rerank'
    WHERE (feature = 'intent-classifier' AND hash(id) % 3 = 0) OR (feature = 'support-faq' AND hash(id) % 7 = 1)`);
  // Web searches on some agent and support calls: a routed call's searches are priced at its new model, a cached answer runs none.
  await store.database.connection.run(`UPDATE usage_events SET web_search_requests = 1 + hash(id) % 3
    WHERE feature IN ('coding-agent', 'support-faq') AND hash(id) % 4 = 0`);
}, 60_000);
afterAll(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

// Every per-call lever at once, each on traffic the demo has.
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
const scenario = simulationScenarioSchema.parse({ levers });
// The same without the price override, so only the features the levers name can be touched.
const namedFeaturesOnly = simulationScenarioSchema.parse({
  levers: levers.map((lever) => ('price_change' in lever && lever.price_change ? { price_change: { batch: lever.price_change.batch } } : lever)),
});
// Two levers: few enough session counts to pack into a BIGINT per session.
const twoLevers = simulationScenarioSchema.parse({ levers: [levers[0], levers[5]] });

// The scenario compiled over the stored calls: its route and fine-tune targets (levers 0, 1 and 2, in
// order) resolved to model keys, and claude-haiku-4-5 repriced (unless namedFeaturesOnly).
async function compiledScenario(compiled = scenario) {
  const groups = await store.pricingGroups({});
  const window = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
  const targets = [
    { provider: 'anthropic', model: 'claude-sonnet-4-5' },
    { provider: 'openai', model: 'gpt-4.1-mini' },
    { provider: 'openai', model: 'gpt-4.1-nano' },
  ];
  const rates = buildSimulationRates(groups, targets, app.catalog, window, { tiers: defaultModelTierSettings, overrides: new Map([['claude-haiku-4-5', { input: 0.5 }]]) });
  const overriddenKeys = rates.keys.filter((key) => key.model === 'claude-haiku-4-5').map((key) => key.key);
  const targetOf = targets.map((target) => rates.keyOf(target.provider, target.model)!);
  const plan = compileReplayPlan(compiled, { targetKey: (index) => targetOf[Math.min(index, 2)]!, overriddenKeys: compiled === scenario ? overriddenKeys : [] });
  return { window, plan, rates };
}

async function replayBoth(plan: ReplayPlan, rates: ReturnType<typeof buildSimulationRates>) {
  const connection = await store.database.instance.connect();
  try {
    await stageSimulationKeys(connection, rates.keys);
    const sql = await connection.runAndReadAll(`SELECT * FROM (${replayedCallsSql(plan, rates.keys, rates.rates, {})}) ORDER BY id`);
    const stored = await connection.runAndReadAll(`SELECT e.*, epoch_ms(e.ts) AS ts_ms, k.key AS model_key FROM usage_events e
      JOIN sim_keys k ON e.model = k.model AND e.provider IS NOT DISTINCT FROM k.provider ORDER BY e.id`);
    const keys = [...plan.routes, ...plan.fineTunes, ...plan.promptCaches, ...plan.responseCaches].map((entry) => entry.drawKey);
    const salts = keys.flatMap((key) => [drawSalt(key, 'select'), drawSalt(key, 'escalate')]);
    const draws = await connection.runAndReadAll(
      `SELECT id || '#' || salt AS name, CAST(md5_number(id || '#' || salt) >> 96 AS BIGINT) % 1000000 AS value FROM usage_events, (SELECT unnest([${salts.map((salt) => `'${salt}'`).join(', ')}]) AS salt)`,
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
      webSearchRequests: Number(row.web_search_requests),
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
    const { plan, rates } = await compiledScenario();
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
    // Calls of a feature no lever names: left as recorded, or repriced with their model.
    const unnamed = sqlRows.filter((row) => row.feature === 'search-rerank');
    expect(unnamed.some((row) => row.touched === false)).toBe(true);
    expect(unnamed.some((row) => row.touched === true && row.repriced === true)).toBe(true);
  }, 60_000);

  it('prices each call at the rates of its date when a price changes within the window', async () => {
    const { window, plan, rates } = await compiledScenario(twoLevers);
    // The route's target costs twice as much from the middle of the window on.
    const target = plan.routes[0]!.toKey;
    const middle = Math.floor((window.fromMs + window.toMs) / 2);
    const split = rates.rates.flatMap((row) =>
      row.key !== target || row.rates === null ? [row] : [{ ...row, toMs: middle }, { ...row, fromMs: middle, rates: { ...row.rates, input: row.rates.input * 2, output: row.rates.output * 2 } }],
    );
    const connection = await store.database.instance.connect();
    let calls: Array<Record<string, unknown>>;
    try {
      await stageSimulationKeys(connection, rates.keys);
      calls = (await connection.runAndReadAll(`SELECT * FROM (${replayedCallsSql(plan, rates.keys, split, {})})`)).getRowObjects();
    } finally {
      connection.closeSync();
    }
    const costOf = (rows: Array<Record<string, unknown>>): bigint => rows.reduce((sum, call) => sum + (call.dropped === true || call.cost === null ? 0n : BigInt(call.cost as bigint)), 0n);
    expect(calls.some((call) => call.routed === true && call.cost !== null)).toBe(true);
    const total = (await store.replay({ range: window, plan, keys: rates.keys, rates: split, byUser: false })).find((row) => row.grouping === 'total')!;
    expect(total.sums.cost).toBe(costOf(calls));
    const unsplit = (await store.replay({ range: window, plan, keys: rates.keys, rates: rates.rates, byUser: false })).find((row) => row.grouping === 'total')!;
    expect(unsplit.sums.cost).toBeLessThan(total.sums.cost);
  });

  // Sessions are counted one way when only named features can be touched, another when any feature can.
  it.each([
    ['an override reprices a model in every feature', scenario, null],
    ['the levers reach the features they name only', namedFeaturesOnly, ['coding-agent', 'support-faq', 'doc-summarizer', 'intent-classifier']],
    ['two levers on two features', twoLevers, ['coding-agent', 'doc-summarizer']],
  ] as const)('sums every measure of the replayed calls exactly, per feature, per model, per user and in total (%s)', async (_, compiled, touchable) => {
    const { window, plan, rates } = await compiledScenario(compiled);
    expect(touchableFeatures(plan)?.sort() ?? null).toEqual(touchable === null ? null : [...touchable].sort());
    const aggregated = await store.replay({ range: window, plan, keys: rates.keys, rates: rates.rates, byUser: true });

    // The calls one by one, as the replay's per-call SQL gives them, summed here in plain JavaScript.
    const connection = await store.database.instance.connect();
    let calls: Array<Record<string, unknown>>;
    try {
      await stageSimulationKeys(connection, rates.keys);
      calls = (await connection.runAndReadAll(`SELECT * FROM (${replayedCallsSql(plan, rates.keys, rates.rates, {})})`)).getRowObjects();
    } finally {
      connection.closeSync();
    }
    const big = (value: unknown): bigint => (value === null || value === undefined ? 0n : BigInt(value as bigint | number));
    const made = (call: Record<string, unknown>): boolean => call.dropped !== true;
    const priced = (call: Record<string, unknown>): boolean => made(call) && call.cost !== null;
    const measures: Array<[SimulationSum, (call: Record<string, unknown>) => boolean, (call: Record<string, unknown>) => bigint]> = [
      ['calls', made, () => 1n],
      ['priced_calls', priced, () => 1n],
      ['unpriced_calls', (call) => made(call) && call.cost === null, () => 1n],
      ['failed_calls', (call) => made(call) && ['error', 'timeout', 'cancelled'].includes(call.status as string), () => 1n],
      ['input_tokens', made, (call) => big(call.input_tokens)],
      ['cache_read_tokens', made, (call) => big(call.cache_read_tokens)],
      ['cache_write_5m_tokens', made, (call) => big(call.cache_write_5m_tokens)],
      ['output_tokens', made, (call) => big(call.output_tokens)],
      ['unpriced_input_tokens', (call) => made(call) && call.cost === null, (call) => big(call.input_tokens)],
      ['cost', priced, (call) => big(call.cost)],
      ['stored_cost', () => true, (call) => big(call.stored_cost)],
      ['stored_calls', () => true, () => 1n],
      ['frontier_calls', (call) => made(call) && call.model_tier === 'frontier', () => 1n],
      ['budget_cost', (call) => priced(call) && call.model_tier === 'budget', (call) => big(call.cost)],
      ['response_cache_hits', (call) => made(call) && (call.response_hit === true || call.response_cache === 'hit'), () => 1n],
      ['response_cache_lookups', (call) => made(call) && (call.response_lookup === true || call.response_cache !== null), () => 1n],
      ['calls_touched', (call) => call.touched === true, () => 1n],
      ['routed', (call) => made(call) && call.routed === true, () => 1n],
      ['escalated', (call) => made(call) && call.escalated === true, () => 1n],
      ['weaker', (call) => made(call) && call.routed === true && call.to_cheaper_model === true, () => 1n],
      ['fine_tuned', (call) => made(call) && call.fine_tuned === true, () => 1n],
      ['fine_tuned_stored_cost', (call) => made(call) && call.fine_tuned === true, (call) => big(call.stored_cost)],
      ['fine_tuned_cost', (call) => priced(call) && call.fine_tuned === true, (call) => big(call.cost)],
      ['prompt_cache_hits', (call) => made(call) && call.prompt_cache_hit === true, () => 1n],
      ['prompt_cache_misses', (call) => made(call) && call.prompt_cache_miss === true, () => 1n],
      ['response_hits', (call) => made(call) && call.response_hit === true, () => 1n],
      ['truncated', (call) => made(call) && call.truncated === true, () => 1n],
      ['output_cut', () => true, (call) => big(call.output_cut)],
      ['input_cut', () => true, (call) => big(call.input_cut)],
      ['trimmed', (call) => made(call) && big(call.input_cut) > 0n, () => 1n],
      ['batched', (call) => made(call) && call.batched === true, () => 1n],
      ['repriced', (call) => made(call) && call.repriced === true, () => 1n],
      ['dropped', (call) => call.dropped === true, () => 1n],
      ['self_hosted', (call) => call.self_hosted === true, () => 1n],
      ['self_hosted_tokens', (call) => call.self_hosted === true, (call) => big(call.input_tokens) + big(call.output_tokens)],
      ['self_hosted_api_cost', (call) => call.self_hosted === true, (call) => big(call.cost0)],
    ];
    // Distinct sessions with at least one call of the condition (made calls, unless said).
    const sessionMeasures: Array<[SimulationSum, (call: Record<string, unknown>) => boolean]> = [
      ['sessions_touched', (call) => call.touched === true],
      ['sessions_cut', (call) => call.dropped === true],
      ['routed_sessions', (call) => made(call) && call.routed === true],
      ['fine_tuned_sessions', (call) => made(call) && call.fine_tuned === true],
      ['prompt_cache_sessions', (call) => made(call) && (call.prompt_cache_hit === true || call.prompt_cache_miss === true)],
      ['response_cache_sessions', (call) => made(call) && call.response_lookup === true],
      ['truncated_sessions', (call) => made(call) && call.truncated === true],
      ['trimmed_sessions', (call) => made(call) && big(call.input_cut) > 0n],
      ['batched_sessions', (call) => made(call) && call.batched === true],
      ['self_hosted_sessions', (call) => call.self_hosted === true],
    ];
    const expectGroup = (
      grouping: string,
      rowOf: (row: (typeof aggregated)[number]) => boolean,
      callOf: (call: Record<string, unknown>) => boolean,
      withSessions = true,
      only: readonly SimulationSum[] = measures.map(([name]) => name),
    ) => {
      const row = aggregated.find((candidate) => candidate.grouping === grouping && rowOf(candidate));
      const mine = calls.filter(callOf);
      const named = measures.filter(([name]) => only.includes(name));
      const expected: Record<string, bigint> = Object.fromEntries(named.map(([name, where, value]) => [name, mine.filter(where).reduce((sum, call) => sum + value(call), 0n)]));
      const actual: Record<string, bigint> = Object.fromEntries(named.map(([name]) => [name, row?.sums[name] ?? 0n]));
      if (withSessions) {
        for (const [name, where] of sessionMeasures) {
          expected[name] = BigInt(new Set(mine.filter((call) => call.session_key !== null && where(call)).map((call) => call.session_key)).size);
          actual[name] = row?.sums[name] ?? 0n;
        }
      }
      expect(actual, grouping).toEqual(expected);
    };
    if (compiled !== twoLevers) {
      const featuresOf = (session: unknown): Set<unknown> => new Set(calls.filter((call) => call.touched === true && call.session_key === session).map((call) => call.feature));
      expect(calls.some((call) => call.touched === true && featuresOf(call.session_key).size > 1)).toBe(true);
      // Every lever of the scenario acts on these calls, and sessions span route rules: a sum taken over a wrong condition cannot come out right by chance.
      expect(calls.some((call) => call.dropped === true) && calls.some((call) => call.self_hosted === true) && calls.some((call) => call.truncated === true)).toBe(true);
    }
    expectGroup('total', () => true, () => true);
    for (const feature of ['coding-agent', 'support-faq', 'doc-summarizer', 'intent-classifier', 'search-rerank']) {
      expectGroup('feature', (row) => row.feature === feature, (call) => call.feature === feature);
    }
    for (const routeIndex of [0, 1]) {
      expectGroup('route', (row) => row.routeIndex === routeIndex, (call) => call.route_index !== null && Number(call.route_index) === routeIndex);
    }
    // Sessions are counted per feature, route rule and in total only.
    const someModel = Number(calls[0]!.model_key);
    expectGroup('model', (row) => row.modelKey === someModel && row.feature === calls[0]!.feature, (call) => Number(call.model_key) === someModel && call.feature === calls[0]!.feature, false);
    const someUser = calls.find((call) => call.user_id !== null)!;
    // A user's row carries the sums the users served at a loss need, and only those.
    const userRow = (row: (typeof aggregated)[number]): boolean => row.userId === someUser.user_id && row.userTier === someUser.user_tier;
    const userCall = (call: Record<string, unknown>): boolean => call.user_id === someUser.user_id && call.user_tier === someUser.user_tier;
    expect(userRowSums).toEqual(expect.arrayContaining(['cost', 'calls', 'stored_cost']));
    expectGroup('user', userRow, userCall, false, userRowSums);
    expect(aggregated.filter((row) => row.grouping === 'user').length).toBe(new Set(calls.map((call) => `${call.user_tier}/${call.user_id}`)).size);
  });
});

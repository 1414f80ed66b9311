import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Rates } from '../../core/catalog/rate-card.js';
import { buildGatewayEvent, type GatewayCall } from '../../core/gateway/gateway-event.js';
import type { SimulationRateRow } from '../../core/simulate/replay-plan.js';
import { startClickhouseServer, type ClickhouseTestServer } from '../../testing/clickhouse-server.js';
import { DuckdbStore } from '../duckdb/duckdb-store.js';
import type { GatewayEffectsQuery, GatewayPricedModels } from '../gateway-effects-reader.js';
import type { SpendSeriesQuery, SpendSeriesRow } from '../report-reader.js';
import { usageRow } from '../store-contract.js';
import type { StoredUsageRow } from '../stored-rows.js';
import { rowValues, usageColumns } from './clickhouse-columns.js';
import { ClickhouseStore } from './clickhouse-store.js';

/*
 * The smaller readers written once under src/store/sql (spend series for alerts, reconcile's provider days, the
 * gateway's effects) give the same answers, to the picodollar, on DuckDB and on ClickHouse 18.16: the same
 * stored calls go into a DuckDB store and a ClickHouse store, and every answer is compared whole.
 */

let server: ClickhouseTestServer;
let directory: string;
let duckdb: DuckdbStore;
let clickhouse: ClickhouseStore;

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const first = Date.parse('2026-03-01T00:00:00Z');

// Integer picodollar rates per token, so that every stored cost is exact and the classes add up to the total.
const models = [
  { provider: 'openai', model: 'gpt-4o-mini', priced: { provider: 'openai', model: 'gpt-4o-mini' }, input: 150_000, cacheRead: 75_000, cacheWrite: 0, output: 600_000, audio: 0, request: 0, search: 0 },
  { provider: 'openai', model: 'gpt-4.1', priced: { provider: 'openai', model: 'gpt-4.1' }, input: 2_000_000, cacheRead: 500_000, cacheWrite: 0, output: 8_000_000, audio: 40_000_000, request: 0, search: 10_000_000_000 },
  // Sent without a provider and under another name: grouped and reconciled under the catalog's provider and id.
  { provider: null, model: 'claude-haiku', priced: { provider: 'anthropic', model: 'claude-haiku-4-5' }, input: 1_000_000, cacheRead: 100_000, cacheWrite: 1_250_000, output: 5_000_000, audio: 0, request: 3_000_000, search: 0 },
  { provider: null, model: 'in-house-llm', priced: null, input: 0, cacheRead: 0, cacheWrite: 0, output: 0, audio: 0, request: 0, search: 0 },
];
const features = ['chat', 'search', "o'brien \\ bot", null];

/** One stored call, its costs worked out from the rates above. */
function call(index: number, overrides: Partial<StoredUsageRow> = {}): StoredUsageRow {
  const model = models[index % models.length]!;
  const input = 500 + ((index * 37) % 3000);
  const cacheRead = index % 3 === 0 ? Math.floor(input / 2) : 0;
  const cacheWrite5m = index % 5 === 0 ? 100 : 0;
  const cacheWrite1h = index % 7 === 0 ? 50 : 0;
  const inputAudio = model.audio > 0 && index % 4 === 1 ? 40 : 0;
  const output = 50 + ((index * 13) % 900);
  const reasoning = index % 6 === 0 ? 20 : 0;
  const outputAudio = inputAudio > 0 ? 10 : 0;
  const searches = model.search > 0 && index % 8 === 1 ? 2 : 0;
  const uncached = input - cacheRead - cacheWrite5m - cacheWrite1h - inputAudio;
  const costs = {
    costInput: uncached * model.input,
    costCacheRead: cacheRead * model.cacheRead,
    costCacheWrite5m: cacheWrite5m * model.cacheWrite,
    costCacheWrite1h: cacheWrite1h * model.cacheWrite * 2,
    costOutput: (output - reasoning - outputAudio) * model.output,
    costReasoning: reasoning * model.output,
    costAudio: (inputAudio + outputAudio) * model.audio,
    costRequest: model.request,
    costWebSearch: searches * model.search,
  };
  const total = Object.values(costs).reduce((sum, value) => sum + value, 0);
  const priced = model.priced !== null;
  return usageRow({
    id: `call-${index}`,
    contentHash: `hash-${index}`,
    // Three days, at every hour and minute the index lands on.
    timestampMs: first + ((index * 7919) % (3 * 24 * 60)) * 60_000 + (index % 1000),
    provider: model.provider,
    model: model.model,
    pricedProvider: model.priced?.provider ?? null,
    pricedModel: model.priced?.model ?? null,
    priceId: priced ? `${model.priced!.provider}/${model.priced!.model}@0` : null,
    unpricedReason: priced ? null : 'no model matches "in-house-llm"',
    inputTokens: input,
    cacheReadTokens: cacheRead,
    cacheWrite5mTokens: cacheWrite5m,
    cacheWrite1hTokens: cacheWrite1h,
    outputTokens: output,
    reasoningTokens: reasoning,
    inputAudioTokens: inputAudio,
    outputAudioTokens: outputAudio,
    webSearchRequests: searches,
    ...(priced ? costs : Object.fromEntries(Object.keys(costs).map((name) => [name, null]))),
    costTotal: priced ? total : null,
    feature: features[index % features.length]!,
    team: index % 2 === 0 ? 'growth' : 'platform',
    userTier: ['free', 'pro', null][index % 3]!,
    userId: `user-${index % 9}`,
    sessionId: `session-${index % 11}`,
    taskId: `task-${index}`,
    responseCache: index % 4 === 0 ? 'hit' : index % 4 === 1 ? 'miss' : null,
    attributes: index % 10 === 0 ? '{"region":"eu"}' : null,
    source: 'events.jsonl',
    ...overrides,
  });
}

/** A call as the gateway records it: its attributes written by buildGatewayEvent itself. */
function gatewayCall(index: number, gateway: Partial<GatewayCall>, overrides: Partial<StoredUsageRow> = {}): StoredUsageRow {
  const event = buildGatewayEvent({
    id: `gw-${index}`,
    startedAtMs: 0,
    provider: 'openai',
    model: 'gpt-4o-mini',
    usage: null,
    estimated: false,
    status: 'ok',
    latencyMs: 10,
    tags: {},
    upstream: 'openai',
    endpoint: '/v1/chat/completions',
    ...gateway,
  });
  // Forwarded to a server (its own source) one time in three, written into the store by the gateway otherwise.
  return call(index, { id: `gw-${index}`, contentHash: `gw-hash-${index}`, attributes: JSON.stringify(event.attributes), source: index % 3 === 0 ? 'http' : 'gateway', ...overrides });
}

const callCount = 480;
const gatewayStart = 10_000;

function gatewayCalls(): StoredUsageRow[] {
  const rows: StoredUsageRow[] = [];
  let index = gatewayStart;
  const next = (gateway: Partial<GatewayCall>, overrides: Partial<StoredUsageRow> = {}) => rows.push(gatewayCall((index += 4), gateway, overrides));
  // Routed: openai calls sent to gpt-4o-mini in place of gpt-4.1, one from a model with a quote in its name, one from a model without a price.
  for (let count = 0; count < 12; count += 1) next({ routedFrom: 'gpt-4.1' });
  next({ routedFrom: 'gpt-"4.1"\\next' });
  next({ routedFrom: 'no-such-model' });
  // Output caps: clamped (with what was asked) and set.
  for (let count = 0; count < 6; count += 1) next({ outputCap: { action: 'clamped', field: 'max_tokens', limit: 300, requested: 1000 + count * 100 } });
  for (let count = 0; count < 3; count += 1) next({ outputCap: { action: 'set', field: 'max_tokens', limit: 500 } });
  // Clamped on a model without a price: counted, without a bound.
  next({ outputCap: { action: 'clamped', field: 'max_tokens', limit: 300, requested: 700 } }, { model: 'in-house-llm' });
  // Cascades: first attempts that answered, and ones that escalated (the escalated call follows in the same task and rule).
  for (let count = 0; count < 8; count += 1) {
    const task = `cascade-task-${count}`;
    const at = first + dayMs + count * hourMs;
    next({ cascade: { attempt: 'first', rule: count % 2, escalationModel: count % 2 === 0 ? 'gpt-4.1' : undefined } }, { taskId: task, timestampMs: at });
    if (count % 3 === 0) next({ cascade: { attempt: 'escalated', rule: count % 2, reason: 'judge' } }, { taskId: task, timestampMs: at + 5_000, model: 'gpt-4.1' });
  }
  // An older first attempt of the same task and rule: the escalation matches the latest one before it.
  next({ cascade: { attempt: 'first', rule: 0, escalationModel: 'gpt-4.1' } }, { taskId: 'cascade-task-0', timestampMs: first + dayMs - hourMs });
  // Response cache: exact and semantic hits and misses.
  for (let count = 0; count < 10; count += 1) {
    next({ responseCache: count % 3 === 0 ? 'miss' : 'hit', responseCacheKind: count % 2 === 0 ? 'semantic' : 'exact' }, { responseCache: count % 3 === 0 ? 'miss' : 'hit' });
  }
  // Refusals and soft budgets.
  next({ refusal: { reason: 'budget_exceeded', budget: 'team-weekly' } });
  next({ refusal: { reason: 'session_limit', sessionLimit: 'usd' } });
  next({ softBudgetsExceeded: ['company-monthly', 'team-weekly'] });
  return rows;
}

beforeAll(async () => {
  server = await startClickhouseServer();
  directory = mkdtempSync(join(tmpdir(), 'unitcost-clickhouse-readers-'));
  duckdb = await DuckdbStore.open(join(directory, 'store.duckdb'));
  clickhouse = await ClickhouseStore.open({
    ...server.settings('readers'),
  });
  const rows = [...Array.from({ length: callCount }, (_, index) => call(index)), ...gatewayCalls()];
  for (const store of [duckdb, clickhouse]) expect((await store.appendUsage(rows)).inserted).toBe(rows.length);
  // A call two servers raced to insert, stored twice before any merge: readers must count it once (FINAL).
  await clickhouse.connection.insert('usage_events', [...usageColumns.map((column) => column.name), 'version'], [[...rowValues(usageColumns, call(3), 'raced'), 0]]);
}, 120_000);

afterAll(async () => {
  await duckdb?.close();
  await clickhouse?.close();
  await server?.stop();
  if (directory) rmSync(directory, { recursive: true, force: true });
});

const sorted = (rows: SpendSeriesRow[]) => [...rows].sort((a, b) => a.bucketStartMs - b.bucketStartMs || String(a.value).localeCompare(String(b.value)) || a.model.localeCompare(b.model));

async function bothSpendSeries(query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
  const [fromDuckdb, fromClickhouse] = await Promise.all([duckdb.spendSeries(query), clickhouse.spendSeries(query)]);
  expect(sorted(fromClickhouse)).toEqual(sorted(fromDuckdb));
  return fromDuckdb;
}

describe('spend series on ClickHouse', () => {
  it('gives the same hourly series per feature and model as DuckDB, split by token class to the picodollar', async () => {
    const rows = await bothSpendSeries({ per: 'feature', grain: 'hour', byModel: true, ranges: [{ fromMs: first, toMs: first + 2 * dayMs }] });
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.some((row) => row.cost.other > 0n && row.tokens.cacheWrite > 0)).toBe(true);
    expect(rows.some((row) => row.value === "o'brien \\ bot")).toBe(true);
  });

  it('gives the same daily series over whole days (summaries on DuckDB) and parts of days, with filters', async () => {
    await bothSpendSeries({ per: 'team', grain: 'day', byModel: false, ranges: [{ fromMs: first, toMs: first + 3 * dayMs }] });
    await bothSpendSeries({ per: 'model', grain: 'day', byModel: false, where: [{ dimension: 'feature', values: ['chat', "o'brien \\ bot"] }], ranges: [{ fromMs: first, toMs: first + 3 * dayMs }] });
    const parts = await bothSpendSeries({ per: 'user_id', grain: 'day', byModel: true, buckets: { startsMs: [first, first + dayMs, first + 2 * dayMs], withinBucketMs: 18 * hourMs } });
    expect(parts.length).toBeGreaterThan(0);
  });

  it('gives the same totals for all spend and for the provider dimension', async () => {
    const totals = await bothSpendSeries({ per: null, grain: 'hour', byModel: false, totalOnly: true, buckets: { startsMs: [first + 5 * hourMs, first + 30 * hourMs], withinBucketMs: 40 * 60_000 } });
    expect(totals.every((row) => row.value === null && row.model === '*')).toBe(true);
    await bothSpendSeries({ per: 'provider', grain: 'hour', byModel: true, where: [{ dimension: 'user_tier', values: ['pro'] }], ranges: [{ fromMs: first + dayMs, toMs: first + dayMs + 6 * hourMs }] });
  });
});

describe('reconcile on ClickHouse', () => {
  it('gives the same recorded usage per provider, day and model as DuckDB, priced and unpriced', async () => {
    for (const provider of ['openai', 'Anthropic', 'nobody']) {
      const query = { provider, range: { fromMs: first, toMs: first + 3 * dayMs } };
      const [fromDuckdb, fromClickhouse] = await Promise.all([duckdb.recordedByProviderDay(query), clickhouse.recordedByProviderDay(query)]);
      expect(fromClickhouse).toEqual(fromDuckdb);
      if (provider === 'Anthropic') expect(fromDuckdb.map((row) => row.model)).toEqual(['claude-haiku-4-5', 'claude-haiku-4-5', 'claude-haiku-4-5']);
      if (provider === 'openai') expect(fromDuckdb.some((row) => row.costWebSearch > 0n && row.costAudio > 0n)).toBe(true);
    }
  });
});

// The replay's rate table, as lever-effects-service builds it from the catalog: gpt-4o-mini at one price;
// gpt-4.1 dearer by night and for long prompts after the first day.
const rates = (input: number, output: number): Rates => ({ input, cacheRead: input / 4, cacheWrite5m: input, cacheWrite1h: input * 2, output, reasoning: output, inputAudio: 0, outputAudio: 0, request: 0 });
const always = { fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, daySecondFrom: 0, daySecondTo: 86_400, inputAbove: -1, inputAtMost: Number.MAX_SAFE_INTEGER };
const rateRows: SimulationRateRow[] = [
  { key: 1, ...always, rates: rates(150_000, 600_000) },
  { key: 2, ...always, toMs: first + dayMs, rates: rates(2_000_000, 8_000_000) },
  { key: 2, ...always, fromMs: first + dayMs, daySecondFrom: 0, daySecondTo: 6 * 3600, rates: rates(2_500_000, 9_000_000) },
  { key: 2, ...always, fromMs: first + dayMs, daySecondFrom: 6 * 3600, inputAbove: 2000, rates: rates(4_000_000, 12_000_000) },
  { key: 2, ...always, fromMs: first + dayMs, daySecondFrom: 6 * 3600, inputAtMost: 2000, rates: rates(2_000_000, 8_000_000) },
  { key: 3, ...always, rates: null },
];

function effectsQuery(priced: GatewayPricedModels, range: { fromMs: number; toMs: number }): GatewayEffectsQuery {
  const keyOf = (model: string): number | undefined => ({ 'gpt-4o-mini': 1, 'gpt-4.1': 2, 'in-house-llm': 3 })[model];
  const keyed = (pairs: Array<{ provider: string | null; model: string }>) =>
    pairs.flatMap((pair) => (keyOf(pair.model) === undefined ? [] : [{ provider: pair.provider, model: pair.model, key: keyOf(pair.model)! }]));
  return {
    range,
    keys: [
      { key: 1, provider: 'openai', model: 'gpt-4o-mini', tier: 'budget', blendedRate: 262_500 },
      { key: 2, provider: 'openai', model: 'gpt-4.1', tier: 'frontier', blendedRate: 3_500_000 },
      { key: 3, provider: null, model: 'in-house-llm', tier: 'unpriced', blendedRate: null },
    ],
    rates: rateRows,
    ownKeys: keyed(priced.own),
    alternativeKeys: keyed(priced.alternatives),
    cascadeTargets: [{ rule: 1, model: 'gpt-4.1' }],
  };
}

describe('gateway effects on ClickHouse', () => {
  it('reads the same priced models and the same effects per lever as DuckDB, to the picodollar', async () => {
    const range = { fromMs: first, toMs: first + 3 * dayMs };
    const cascadeTargets = [{ rule: 1, model: 'gpt-4.1' }];
    const [pricedDuckdb, pricedClickhouse] = await Promise.all([duckdb.gatewayPricedModels(range, cascadeTargets), clickhouse.gatewayPricedModels(range, cascadeTargets)]);
    expect(pricedClickhouse).toEqual(pricedDuckdb);
    expect(pricedDuckdb.alternatives.map((pair) => pair.model)).toEqual(expect.arrayContaining(['gpt-4.1', 'gpt-"4.1"\\next', 'no-such-model']));

    const query = effectsQuery(pricedDuckdb, range);
    const [fromDuckdb, fromClickhouse] = await Promise.all([duckdb.gatewayEffects(query), clickhouse.gatewayEffects(query)]);
    expect(fromClickhouse).toEqual(fromDuckdb);
    // Every lever has rows, so the comparison above covers each query.
    expect(fromDuckdb.routes.find((row) => row.from === 'gpt-4.1')!.alternativePicodollars).toBeGreaterThan(0n);
    expect(fromDuckdb.cascades.reduce((sum, row) => sum + row.escalated, 0)).toBe(3);
    expect(fromDuckdb.caches.some((row) => row.kind === 'semantic' && row.estimatedSavedPicodollars !== null)).toBe(true);
    expect(fromDuckdb.outputCaps.map((row) => row.action)).toEqual(['clamped', 'set']);
    expect(fromDuckdb.outputCaps[0]!.upperBoundPicodollars).toBeGreaterThan(0n);
    expect(fromDuckdb.refusals).toHaveLength(2);
    expect(fromDuckdb.softBudgetCalls).toBe(1);
  });

  it('answers a range without gateway calls alike: no first or last call', async () => {
    const range = { fromMs: first + 10 * dayMs, toMs: first + 11 * dayMs };
    const query = effectsQuery({ own: [], alternatives: [] }, range);
    const [fromDuckdb, fromClickhouse] = await Promise.all([duckdb.gatewayEffects(query), clickhouse.gatewayEffects(query)]);
    expect(fromClickhouse).toEqual(fromDuckdb);
    expect(fromDuckdb).toMatchObject({ calls: 0, firstMs: null, lastMs: null, costPicodollars: 0n });
  });
});

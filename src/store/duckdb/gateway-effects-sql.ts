import type { DuckDBConnection } from '@duckdb/node-api';
import type { TimeRange } from '../event-writer.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import { caseChain, quote, rateLookup, replayRange } from './simulate-replay-sql.js';

/*
 * What the gateway's policies did, summed from the attributes its events carry (src/core/gateway/gateway-event.ts).
 * Every sum of money is over BIGINT picodollars, which DuckDB sums as HUGEINT: exact whatever the number of
 * calls. A moved call (routed, cascaded) is repriced at the model it was moved from with the replay's rate
 * table (rateLookup), so its saving is priced exactly as `unitcost simulate` would price the call there.
 * Each sum reads the calls afresh rather than from a staged table: DuckDB then parses only the attributes that
 * sum needs (staging all of them once measured twice as slow at 200,000 calls).
 */

const attribute = (name: string): string => `json_extract_string(e.attributes, '$.${name}')`;

// A gateway event: written by the gateway into a store (source gateway), or forwarded to a server (its attributes
// say so). The text test first spares parsing the JSON of every call an application posted.
const fromGateway = `(e.source = 'gateway' OR (contains(e.attributes, '"gateway_upstream"') AND ${attribute('gateway_upstream')} IS NOT NULL))`;

// The columns rateLookup prices a call from, with the attributes the levers left on it. A cascade's first
// attempt escalates to the model it recorded (cascade_escalation_model); events from before that attribute
// fall back to their rule's `then` model in today's config, else to the model the client asked for.
function gatewayCallsSql(range: TimeRange, cascadeTargets: readonly CascadeTarget[]): string {
  const escalation = caseChain(
    cascadeTargets.map((target) => [`TRY_CAST(${attribute('cascade_rule')} AS INTEGER) = ${Math.trunc(target.rule)}`, quote(target.model)]),
    attribute('routed_from'),
  );
  return `SELECT e.id, e.feature, e.provider, e.model, e.status, e.response_cache, e.cost_total, e.ts, e.task_id,
      epoch_ms(e.ts) AS ts_ms, CAST(epoch_ms(e.ts) // 1000 % 86400 AS INTEGER) AS day_second,
      e.input_tokens, e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens AS uncached,
      e.cache_read_tokens, e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.input_audio_tokens, e.output_tokens, e.reasoning_tokens, e.output_audio_tokens, e.web_search_requests,
      ${attribute('routed_from')} AS routed_from, ${attribute('cascade')} AS cascade,
      TRY_CAST(${attribute('cascade_rule')} AS INTEGER) AS cascade_rule, CASE WHEN ${attribute('cascade')} = 'first' THEN coalesce(${attribute('cascade_escalation_model')}, ${escalation}) END AS escalation_model,
      ${attribute('output_cap')} AS output_cap, TRY_CAST(${attribute('output_cap_limit')} AS BIGINT) AS cap_limit,
      TRY_CAST(${attribute('output_cap_requested')} AS BIGINT) AS cap_requested,
      ${attribute('gateway_refusal')} AS refusal, ${attribute('budget')} AS budget, ${attribute('session_limit')} AS session_limit,
      ${attribute('soft_budgets_exceeded')} AS soft_budgets, coalesce(${attribute('response_cache_kind')}, 'exact') AS cache_kind
    FROM usage_events e WHERE ${replayRange(range)} AND ${fromGateway}`;
}

/** The models the effects of a range are priced at. */
export async function gatewayPricedModels(connection: DuckDBConnection, range: TimeRange, cascadeTargets: readonly CascadeTarget[]): Promise<GatewayPricedModels> {
  const calls = gatewayCallsSql(range, cascadeTargets);
  const own = await connection.runAndReadAll(`SELECT provider, model, count(*) AS calls, epoch_ms(min(ts)) AS first_ms, epoch_ms(max(ts)) AS last_ms
    FROM (${calls}) WHERE output_cap = 'clamped' GROUP BY provider, model ORDER BY provider, model`);
  const alternatives = await connection.runAndReadAll(`SELECT DISTINCT provider, moved_from AS model FROM (
      SELECT provider, routed_from AS moved_from FROM (${calls}) WHERE routed_from IS NOT NULL AND cascade IS NULL
      UNION ALL SELECT provider, escalation_model FROM (${calls}) WHERE cascade = 'first' AND escalation_model IS NOT NULL
    ) ORDER BY provider, model`);
  return {
    own: own.getRowObjects().map((row) => ({
      provider: (row.provider as string | null) ?? null,
      model: row.model as string,
      calls: Number(row.calls),
      firstMs: Number(row.first_ms),
      lastMs: Number(row.last_ms),
    })),
    alternatives: alternatives.getRowObjects().map((row) => ({ provider: (row.provider as string | null) ?? null, model: row.model as string })),
  };
}

// A (provider, model) pair's key, as SQL over two columns; NULL for a pair without one.
function keySql(pairs: GatewayEffectsQuery['ownKeys'], providerColumn: string, modelColumn: string): string {
  return caseChain(
    pairs.map((pair) => [`${providerColumn} IS NOT DISTINCT FROM ${pair.provider === null ? 'NULL' : quote(pair.provider)} AND ${modelColumn} = ${quote(pair.model)}`, String(pair.key)]),
    'NULL::INTEGER',
  );
}

const bigint = (value: unknown): bigint => (value === null || value === undefined ? 0n : BigInt(value as bigint | number));
const optionalBigint = (value: unknown): bigint | null => (value === null || value === undefined ? null : BigInt(value as bigint | number));
const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** Sums the gateway's calls of a range per lever. */
export async function gatewayEffects(connection: DuckDBConnection, query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
  const calls = gatewayCallsSql(query.range, query.cascadeTargets);
  const price = rateLookup(query.rates, query.range);
  const read = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjects();

  const [totals] = await read(`SELECT count(*) AS calls, coalesce(sum(cost_total), 0) AS cost, epoch_ms(min(ts)) AS first_ms, epoch_ms(max(ts)) AS last_ms,
      count(*) FILTER (WHERE soft_budgets IS NOT NULL) AS soft FROM (${calls})`);

  // Routed: the same tokens at the model the client asked for, minus what the call cost. Cascades are not routes.
  const routes = await read(`SELECT routed_from, provider, model, count(*) AS calls,
      count(*) FILTER (WHERE cost_total IS NULL OR alternative IS NULL) AS unpriced,
      coalesce(sum(cost_total) FILTER (WHERE cost_total IS NOT NULL AND alternative IS NOT NULL), 0) AS actual,
      coalesce(sum(alternative) FILTER (WHERE cost_total IS NOT NULL AND alternative IS NOT NULL), 0) AS alternative
    FROM (SELECT *, ${price.cost('alternative_key')} AS alternative
          FROM (SELECT *, ${keySql(query.alternativeKeys, 'provider', 'routed_from')} AS alternative_key FROM (${calls}) WHERE routed_from IS NOT NULL AND cascade IS NULL))
    GROUP BY ALL ORDER BY calls DESC, routed_from, model`);

  // Cascades: a first attempt that answered saved what its escalation model would have cost; one that escalated was
  // spent on top of the escalated call. The two attempts share a task (the cascade sets one): each escalated call is
  // matched to the latest first attempt of its task and rule before it.
  const cascades = await read(`WITH firsts AS MATERIALIZED (
        SELECT *, ${price.cost('alternative_key')} AS alternative
        FROM (SELECT *, ${keySql(query.alternativeKeys, 'provider', 'escalation_model')} AS alternative_key FROM (${calls}) WHERE cascade = 'first' AND refusal IS NULL)),
      escalations AS (SELECT task_id, coalesce(cascade_rule, -1) AS rule, ts FROM (${calls}) WHERE cascade = 'escalated' AND task_id IS NOT NULL),
      failed AS (SELECT DISTINCT f.id FROM escalations x ASOF JOIN (SELECT id, task_id, coalesce(cascade_rule, -1) AS rule, ts FROM firsts) f
                 ON x.task_id = f.task_id AND x.rule = f.rule AND x.ts >= f.ts)
    SELECT cascade_rule, provider, model, escalation_model, count(*) AS first, count(*) FILTER (WHERE escalated) AS escalated,
      count(*) FILTER (WHERE NOT escalated AND (cost_total IS NULL OR alternative IS NULL)) AS unpriced,
      coalesce(sum(cost_total) FILTER (WHERE NOT escalated AND cost_total IS NOT NULL AND alternative IS NOT NULL), 0) AS answered,
      coalesce(sum(alternative) FILTER (WHERE NOT escalated AND cost_total IS NOT NULL AND alternative IS NOT NULL), 0) AS answered_alternative,
      coalesce(sum(cost_total) FILTER (WHERE escalated), 0) AS escalated_first
    FROM (SELECT f.*, failed.id IS NOT NULL AS escalated FROM firsts f LEFT JOIN failed USING (id))
    GROUP BY ALL ORDER BY first DESC, cascade_rule, model`);

  // Response cache: a hit cost nothing; had it missed, it would have cost about what the misses of its feature and model cost on average.
  const caches = await read(`SELECT feature, provider, model, cache_kind, hits, misses, miss_cost,
      CASE WHEN priced_misses > 0 THEN (priced_miss_cost * hits) // priced_misses END AS estimated
    FROM (SELECT feature, provider, model, cache_kind,
            count(*) FILTER (WHERE response_cache = 'hit') AS hits, count(*) FILTER (WHERE response_cache = 'miss') AS misses,
            coalesce(sum(cost_total) FILTER (WHERE response_cache = 'miss'), 0) AS miss_cost,
            count(*) FILTER (WHERE response_cache = 'miss' AND cost_total IS NOT NULL AND status = 'ok') AS priced_misses,
            coalesce(sum(cost_total) FILTER (WHERE response_cache = 'miss' AND cost_total IS NOT NULL AND status = 'ok'), 0) AS priced_miss_cost
          FROM (${calls}) WHERE response_cache IN ('hit', 'miss') GROUP BY ALL)
    ORDER BY hits DESC, feature, model`);

  // Output caps: what a clamped call was kept from generating is at most (requested − limit) tokens at its own output price.
  const caps = await read(`SELECT cap_limit, output_cap, count(*) AS calls,
      coalesce(sum(cap_requested - cap_limit) FILTER (WHERE output_cap = 'clamped'), 0) AS above,
      sum(bound) FILTER (WHERE output_cap = 'clamped') AS bound,
      count(*) FILTER (WHERE output_cap = 'clamped' AND bound IS NULL) AS unpriced
    FROM (SELECT *, CASE WHEN output_cap = 'clamped' THEN ${price.cost('own_key')} - unbumped END AS bound
          FROM (SELECT * REPLACE (output_tokens + greatest(coalesce(cap_requested - cap_limit, 0), 0) AS output_tokens)
                FROM (SELECT *, ${price.cost('own_key')} AS unbumped
                      FROM (SELECT *, ${keySql(query.ownKeys, 'provider', 'model')} AS own_key FROM (${calls}) WHERE output_cap IN ('set', 'clamped')))))
    GROUP BY ALL ORDER BY cap_limit, output_cap`);

  const refusals = await read(`SELECT refusal, budget, session_limit, count(*) AS calls FROM (${calls}) WHERE refusal IS NOT NULL GROUP BY ALL ORDER BY calls DESC, refusal, budget`);

  return {
    calls: Number(totals!.calls),
    costPicodollars: bigint(totals!.cost),
    firstMs: totals!.first_ms === null ? null : Number(totals!.first_ms),
    lastMs: totals!.last_ms === null ? null : Number(totals!.last_ms),
    softBudgetCalls: Number(totals!.soft),
    routes: routes.map((row) => ({
      from: row.routed_from as string,
      provider: text(row.provider),
      model: row.model as string,
      calls: Number(row.calls),
      unpriced: Number(row.unpriced),
      actualPicodollars: bigint(row.actual),
      alternativePicodollars: bigint(row.alternative),
    })),
    cascades: cascades.map((row) => ({
      rule: row.cascade_rule === null || row.cascade_rule === undefined ? null : Number(row.cascade_rule),
      provider: text(row.provider),
      model: row.model as string,
      escalationModel: text(row.escalation_model),
      first: Number(row.first),
      escalated: Number(row.escalated),
      unpriced: Number(row.unpriced),
      answeredPicodollars: bigint(row.answered),
      answeredAtEscalationPicodollars: bigint(row.answered_alternative),
      escalatedFirstPicodollars: bigint(row.escalated_first),
    })),
    caches: caches.map((row) => ({
      feature: text(row.feature),
      provider: text(row.provider),
      model: row.model as string,
      kind: row.cache_kind as string,
      hits: Number(row.hits),
      misses: Number(row.misses),
      missPicodollars: bigint(row.miss_cost),
      estimatedSavedPicodollars: optionalBigint(row.estimated),
    })),
    outputCaps: caps.map((row) => ({
      limit: Number(row.cap_limit),
      action: row.output_cap as string,
      calls: Number(row.calls),
      tokensAboveLimit: bigint(row.above),
      upperBoundPicodollars: optionalBigint(row.bound),
      unpriced: Number(row.unpriced),
    })),
    refusals: refusals.map((row) => ({ reason: row.refusal as string, budget: text(row.budget), sessionLimit: text(row.session_limit), calls: Number(row.calls) })),
  };
}

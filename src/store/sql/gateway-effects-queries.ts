import type { TimeRange } from '../event-writer.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import { eventsInRange } from './event-range.js';
import { caseChain, rateLookup } from './rate-lookup.js';
import { countValue, exactValue, optionalExact, textValue } from './row-values.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What the gateway's policies did, summed from the attributes its events carry (src/core/gateway/gateway-event.ts),
 * written once for every backend: each backend passes its dialect and a way to run a query. Every sum of money
 * is exact (DuckDB HUGEINT, ClickHouse Decimal128, read as text). A moved call (routed, cascaded) is repriced at
 * the model it was moved from with the replay's rate table (rateLookup), so its saving is priced exactly as
 * `unitcost simulate` would price the call there. Each sum reads the calls afresh rather than from a staged
 * table: DuckDB then parses only the attributes that sum needs (staging all of them once measured twice as
 * slow at 200,000 calls).
 *
 * Written for ClickHouse 18.16 too: nested subqueries (no CTEs), conditional sums as sum(CASE …) (no FILTER),
 * grouped expressions listed (no GROUP BY ALL), output names that are not the columns they read (its aliases
 * are global to a query), and the cascade's "latest first attempt before the escalation" as an equi-join and
 * argMax (no ASOF JOIN).
 */

/** Runs one query and returns its rows as the backend's client reads them. */
export type ReadRows = (sql: string) => Promise<Array<Record<string, unknown>>>;

// A gateway event: written by the gateway into a store (source gateway), or forwarded to a server (its attributes
// say so). The text test first spares parsing the JSON of every call an application posted.
function fromGateway(dialect: SqlDialect): string {
  return `(e.source = 'gateway' OR (${dialect.containsText('e.attributes', '"gateway_upstream"')} AND ${dialect.attribute('e.attributes', 'gateway_upstream')} IS NOT NULL))`;
}

// The columns rateLookup prices a call from, with the attributes the levers left on it. A cascade's first
// attempt escalates to the model it recorded (cascade_escalation_model); events from before that attribute
// fall back to their rule's `then` model in today's config, else to the model the client asked for.
function gatewayCallsSql(dialect: SqlDialect, range: TimeRange, cascadeTargets: readonly CascadeTarget[]): string {
  const attribute = (name: string): string => dialect.attribute('e.attributes', name);
  const rule = dialect.tryInteger(attribute('cascade_rule'));
  const escalation = caseChain(
    cascadeTargets.map((target) => [`${rule} = ${Math.trunc(target.rule)}`, dialect.string(target.model)]),
    attribute('routed_from'),
  );
  return `SELECT e.id AS id, e.feature AS feature, e.provider AS provider, e.model AS model, e.status AS status, e.response_cache AS response_cache,
      e.cost_total AS cost_total, e.task_id AS task_id, ${dialect.eventUs('e')} AS call_us, ${dialect.eventMs('e')} AS ts_ms, ${dialect.eventDaySecond('e')} AS day_second,
      e.input_tokens AS input_tokens, e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens AS uncached,
      e.cache_read_tokens AS cache_read_tokens, e.cache_write_5m_tokens AS cache_write_5m_tokens, e.cache_write_1h_tokens AS cache_write_1h_tokens,
      e.input_audio_tokens AS input_audio_tokens, e.output_tokens AS output_tokens, e.reasoning_tokens AS reasoning_tokens, e.output_audio_tokens AS output_audio_tokens,
      e.web_search_requests AS web_search_requests,
      ${attribute('routed_from')} AS routed_from, ${attribute('cascade')} AS cascade, ${rule} AS cascade_rule,
      CASE WHEN ${attribute('cascade')} = 'first' THEN coalesce(${attribute('cascade_escalation_model')}, ${escalation}) ELSE NULL END AS escalation_model,
      ${attribute('output_cap')} AS output_cap, ${dialect.tryInteger(attribute('output_cap_limit'))} AS cap_limit,
      ${dialect.tryInteger(attribute('output_cap_requested'))} AS cap_requested,
      ${attribute('gateway_refusal')} AS refusal, ${attribute('budget')} AS budget, ${attribute('session_limit')} AS session_limit,
      ${attribute('soft_budgets_exceeded')} AS soft_budgets, coalesce(${attribute('response_cache_kind')}, 'exact') AS cache_kind
    FROM ${dialect.table('usage_events', 'e')} WHERE ${eventsInRange(dialect, 'e', range)} AND ${fromGateway(dialect)}`;
}

/** The models the effects of a range are priced at. */
export async function readGatewayPricedModels(read: ReadRows, dialect: SqlDialect, range: TimeRange, cascadeTargets: readonly CascadeTarget[]): Promise<GatewayPricedModels> {
  const calls = gatewayCallsSql(dialect, range, cascadeTargets);
  const own = await read(`SELECT provider, model, count(*) AS calls, min(ts_ms) AS first_ms, max(ts_ms) AS last_ms
    FROM (${calls}) WHERE output_cap = 'clamped' GROUP BY provider, model ORDER BY provider, model`);
  const alternatives = await read(`SELECT DISTINCT provider, moved_from FROM (
      SELECT provider, routed_from AS moved_from FROM (${calls}) WHERE routed_from IS NOT NULL AND cascade IS NULL
      UNION ALL SELECT provider, escalation_model AS moved_from FROM (${calls}) WHERE cascade = 'first' AND escalation_model IS NOT NULL
    ) ORDER BY provider, moved_from`);
  return {
    own: own.map((row) => ({ provider: textValue(row.provider), model: String(row.model), calls: countValue(row.calls), firstMs: Number(row.first_ms), lastMs: Number(row.last_ms) })),
    alternatives: alternatives.map((row) => ({ provider: textValue(row.provider), model: String(row.moved_from) })),
  };
}

// A (provider, model) pair's key, as SQL over two columns; NULL for a pair without one.
function keySql(dialect: SqlDialect, pairs: GatewayEffectsQuery['ownKeys'], providerColumn: string, modelColumn: string): string {
  return caseChain(
    pairs.map((pair) => [
      `NOT (${dialect.distinct(providerColumn, pair.provider === null ? 'NULL' : dialect.string(pair.provider))}) AND ${modelColumn} = ${dialect.string(pair.model)}`,
      String(pair.key),
    ]),
    'NULL',
  );
}

/** Sums the gateway's calls of a range per lever. */
export async function readGatewayEffects(read: ReadRows, dialect: SqlDialect, query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
  const calls = gatewayCallsSql(dialect, query.range, query.cascadeTargets);
  const price = rateLookup(query.rates, query.range);
  const sum = (expression: string): string => dialect.exactText(dialect.exactSum(expression));
  const countIf = (condition: string): string => dialect.countIf(condition);

  const [totals] = await read(`SELECT count(*) AS calls, ${sum('cost_total')} AS cost_sum, min(ts_ms) AS first_ms, max(ts_ms) AS last_ms,
      ${countIf('soft_budgets IS NOT NULL')} AS soft FROM (${calls})`);

  // Routed: the same tokens at the model the client asked for, minus what the call cost. Cascades are not routes.
  const bothPriced = 'cost_total IS NOT NULL AND alternative IS NOT NULL';
  const routes = await read(`SELECT routed_from, provider, model, count(*) AS calls,
      ${countIf('cost_total IS NULL OR alternative IS NULL')} AS unpriced,
      ${sum(`CASE WHEN ${bothPriced} THEN cost_total ELSE NULL END`)} AS actual_sum,
      ${sum(`CASE WHEN ${bothPriced} THEN alternative ELSE NULL END`)} AS alternative_sum
    FROM (SELECT *, ${price.cost('alternative_key')} AS alternative
          FROM (SELECT *, ${keySql(dialect, query.alternativeKeys, 'provider', 'routed_from')} AS alternative_key FROM (${calls}) WHERE routed_from IS NOT NULL AND cascade IS NULL))
    GROUP BY routed_from, provider, model ORDER BY calls DESC, routed_from, model, provider`);

  // Cascades: a first attempt that answered saved what its escalation model would have cost; one that escalated was
  // spent on top of the escalated call. The two attempts share a task (the cascade sets one): each escalated call is
  // matched to the latest first attempt of its task and rule at or before it (what an ASOF JOIN would pick).
  const firsts = `SELECT * FROM (${calls}) WHERE cascade = 'first' AND refusal IS NULL`;
  const link = `coalesce(task_id, '') AS link_task, coalesce(cascade_rule, -1) AS link_rule`;
  const failed = `SELECT argMax(first_id, first_us) AS failed_id
    FROM (SELECT ${link}, id AS escalated_id, call_us AS escalated_us FROM (${calls}) WHERE cascade = 'escalated' AND task_id IS NOT NULL) AS x
    JOIN (SELECT ${link}, id AS first_id, call_us AS first_us FROM (${firsts}) WHERE task_id IS NOT NULL) AS f USING (link_task, link_rule)
    WHERE first_us <= escalated_us GROUP BY escalated_id`;
  const answered = `NOT escalated AND ${bothPriced}`;
  const cascades = await read(`SELECT cascade_rule, provider, model, escalation_model, count(*) AS first_count, ${countIf('escalated')} AS escalated_count,
      ${countIf('NOT escalated AND (cost_total IS NULL OR alternative IS NULL)')} AS unpriced,
      ${sum(`CASE WHEN ${answered} THEN cost_total ELSE NULL END`)} AS answered_sum,
      ${sum(`CASE WHEN ${answered} THEN alternative ELSE NULL END`)} AS answered_alternative_sum,
      ${sum('CASE WHEN escalated THEN cost_total ELSE NULL END')} AS escalated_first_sum
    FROM (SELECT *, id IN (${failed}) AS escalated
          FROM (SELECT *, ${price.cost('alternative_key')} AS alternative
                FROM (SELECT *, ${keySql(dialect, query.alternativeKeys, 'provider', 'escalation_model')} AS alternative_key FROM (${firsts}))))
    GROUP BY cascade_rule, provider, model, escalation_model ORDER BY first_count DESC, cascade_rule, model, provider, escalation_model`);

  // Response cache: a hit cost nothing; had it missed, it would have cost about what the misses of its feature and model cost on average.
  const pricedMiss = `response_cache = 'miss' AND cost_total IS NOT NULL AND status = 'ok'`;
  const caches = await read(`SELECT feature, provider, model, cache_kind,
      ${countIf(`response_cache = 'hit'`)} AS hits, ${countIf(`response_cache = 'miss'`)} AS misses,
      ${sum(`CASE WHEN response_cache = 'miss' THEN cost_total ELSE NULL END`)} AS miss_cost_sum,
      ${countIf(pricedMiss)} AS priced_misses, ${sum(`CASE WHEN ${pricedMiss} THEN cost_total ELSE NULL END`)} AS priced_miss_cost_sum
    FROM (${calls}) WHERE response_cache IN ('hit', 'miss') GROUP BY feature, provider, model, cache_kind
    ORDER BY hits DESC, feature, model, provider, cache_kind`);

  // Output caps: what a clamped call was kept from generating is at most (requested − limit) tokens at its own output price.
  const clamped = `output_cap = 'clamped'`;
  const caps = await read(`SELECT cap_limit, output_cap, count(*) AS calls,
      ${sum(`CASE WHEN ${clamped} THEN cap_requested - cap_limit ELSE NULL END`)} AS above_sum,
      ${sum(`CASE WHEN ${clamped} THEN bound ELSE NULL END`)} AS bound_sum,
      ${countIf(`${clamped} AND bound IS NOT NULL`)} AS bounded, ${countIf(`${clamped} AND bound IS NULL`)} AS unpriced
    FROM (SELECT *, CASE WHEN ${clamped} THEN ${price.extraOutputCost('own_key', 'greatest(coalesce(cap_requested - cap_limit, 0), 0)')} ELSE NULL END AS bound
          FROM (SELECT *, ${keySql(dialect, query.ownKeys, 'provider', 'model')} AS own_key FROM (${calls}) WHERE output_cap IN ('set', 'clamped')))
    GROUP BY cap_limit, output_cap ORDER BY cap_limit, output_cap`);

  const refusals = await read(`SELECT refusal, budget, session_limit, count(*) AS calls FROM (${calls}) WHERE refusal IS NOT NULL
    GROUP BY refusal, budget, session_limit ORDER BY calls DESC, refusal, budget, session_limit`);

  const callCount = countValue(totals!.calls);
  return {
    calls: callCount,
    costPicodollars: exactValue(totals!.cost_sum),
    // Without calls there is no first or last (ClickHouse's min of no rows is 0, DuckDB's null).
    firstMs: callCount === 0 ? null : Number(totals!.first_ms),
    lastMs: callCount === 0 ? null : Number(totals!.last_ms),
    softBudgetCalls: countValue(totals!.soft),
    routes: routes.map((row) => ({
      from: String(row.routed_from),
      provider: textValue(row.provider),
      model: String(row.model),
      calls: countValue(row.calls),
      unpriced: countValue(row.unpriced),
      actualPicodollars: exactValue(row.actual_sum),
      alternativePicodollars: exactValue(row.alternative_sum),
    })),
    cascades: cascades.map((row) => ({
      rule: row.cascade_rule === null || row.cascade_rule === undefined ? null : Number(row.cascade_rule),
      provider: textValue(row.provider),
      model: String(row.model),
      escalationModel: textValue(row.escalation_model),
      first: countValue(row.first_count),
      escalated: countValue(row.escalated_count),
      unpriced: countValue(row.unpriced),
      answeredPicodollars: exactValue(row.answered_sum),
      answeredAtEscalationPicodollars: exactValue(row.answered_alternative_sum),
      escalatedFirstPicodollars: exactValue(row.escalated_first_sum),
    })),
    caches: caches.map((row) => {
      const hits = countValue(row.hits);
      const pricedMisses = exactValue(row.priced_misses);
      return {
        feature: textValue(row.feature),
        provider: textValue(row.provider),
        model: String(row.model),
        kind: String(row.cache_kind),
        hits,
        misses: countValue(row.misses),
        missPicodollars: exactValue(row.miss_cost_sum),
        // hits × the priced misses' average, rounded toward zero as an integer division of exact sums.
        estimatedSavedPicodollars: pricedMisses > 0n ? (exactValue(row.priced_miss_cost_sum) * BigInt(hits)) / pricedMisses : null,
      };
    }),
    outputCaps: caps.map((row) => ({
      limit: Number(row.cap_limit),
      action: String(row.output_cap),
      calls: countValue(row.calls),
      tokensAboveLimit: exactValue(row.above_sum),
      upperBoundPicodollars: countValue(row.bounded) === 0 ? null : optionalExact(row.bound_sum),
      unpriced: countValue(row.unpriced),
    })),
    refusals: refusals.map((row) => ({ reason: String(row.refusal), budget: textValue(row.budget), sessionLimit: textValue(row.session_limit), calls: countValue(row.calls) })),
  };
}

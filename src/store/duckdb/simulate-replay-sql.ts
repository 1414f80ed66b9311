import { drawSalt, drawScale, type FeatureSet, type ModelKey, type ReplayPlan, type SimulationRateRow } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';

/*
 * The replay as one SQL query over the stored calls: a chain of CTEs, one per step of docs/simulate.md's
 * order, each adding the columns its lever decides. It mirrors replayCalls (src/core/simulate/replay-calls.ts)
 * line for line; simulate-replay.int.test.ts holds the two to the same picodollars call by call.
 * Rates come from the rate rows (one per model key, price period, slice of the day and input band), inlined
 * as constants; models from the staged table sim_keys. A call's cost is BIGINT picodollars (exact; DuckDB raises on overflow); sums are HUGEINT.
 */

/** The SQL condition of a time range over a timestamp column. */
export function replayRange(range: TimeRange, column = 'e.ts'): string {
  const conditions: string[] = [];
  if (range.fromMs !== undefined) conditions.push(`${column} >= epoch_ms(${Math.floor(range.fromMs)}::BIGINT)`);
  if (range.toMs !== undefined) conditions.push(`${column} < epoch_ms(${Math.ceil(range.toMs)}::BIGINT)`);
  return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
}

/** A string as an SQL literal. */
export const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`;

// The stored calls of the range, each with its model's key (sim_keys, staged per replay).
const storedCalls = 'usage_events e JOIN sim_keys k ON e.model = k.model AND e.provider IS NOT DISTINCT FROM k.provider';

function inFeatures(features: FeatureSet, column = 'feature'): string {
  if (features === null) return 'TRUE';
  return `${column} IN (${features.map(quote).join(', ')})`;
}

// A call's draw for a salt: the same integer on every run and thread count.
const drawOf = (salt: string): string => `(hash(id, ${quote(salt)}) % ${drawScale})`;


/**
 * The rate table as SQL constants: a CASE picks the row covering a call — the first whose model, period, slice
 * of the day and input band match, as findRateRow does — and that branch prices the call with the row's own
 * rates written in as numbers (a rate of zero adds no term). An unpriced row, or no row, gives NULL. A handful
 * of rows make this cheaper than joining 10M calls to a table, and than reading each rate from a list by index.
 */
export function rateLookup(rates: readonly SimulationRateRow[], range: TimeRange) {
  const fullDay = (row: SimulationRateRow): boolean => row.daySecondFrom <= 0 && row.daySecondTo >= 86_400;
  // A bound the replayed range already keeps to is not tested again per call.
  const startsBefore = (row: SimulationRateRow): boolean => row.fromMs <= 0 || (range.fromMs !== undefined && row.fromMs <= Math.floor(range.fromMs));
  const endsAfter = (row: SimulationRateRow): boolean => row.toMs >= Number.MAX_SAFE_INTEGER || (range.toMs !== undefined && row.toMs >= Math.ceil(range.toMs));
  const covers = (row: SimulationRateRow, keyColumn: string): string => {
    const conditions = [`${keyColumn} = ${row.key}`];
    if (!startsBefore(row)) conditions.push(`ts_ms >= ${row.fromMs}`);
    if (!endsAfter(row)) conditions.push(`ts_ms < ${row.toMs}`);
    if (!fullDay(row)) conditions.push(`day_second >= ${row.daySecondFrom} AND day_second < ${row.daySecondTo}`);
    if (row.inputAbove >= 0) conditions.push(`input_tokens > ${row.inputAbove}`);
    if (row.inputAtMost < Number.MAX_SAFE_INTEGER) conditions.push(`input_tokens <= ${row.inputAtMost}`);
    return conditions.join(' AND ');
  };
  // BIGINT: a call would have to cost $9 million to overflow it, and DuckDB raises an error rather than wrap.
  const priceWith = (row: SimulationRateRow): string => {
    if (row.rates === null) return 'NULL';
    const terms: Array<[string | null, number]> = [
      ['uncached', row.rates.input],
      ['cache_read_tokens', row.rates.cacheRead],
      ['cache_write_5m_tokens', row.rates.cacheWrite5m],
      ['cache_write_1h_tokens', row.rates.cacheWrite1h],
      ['(output_tokens - reasoning_tokens - output_audio_tokens)', row.rates.output],
      ['reasoning_tokens', row.rates.reasoning],
      ['input_audio_tokens', row.rates.inputAudio],
      ['output_audio_tokens', row.rates.outputAudio],
      ['web_search_requests', row.rates.webSearch ?? 0],
      [null, row.rates.request],
    ];
    const present = terms.filter(([, rate]) => rate !== 0).map(([tokens, rate]) => (tokens === null ? `${BigInt(rate)}::BIGINT` : `${tokens} * ${BigInt(rate)}::BIGINT`));
    return present.length === 0 ? '0::BIGINT' : `(${present.join(' + ')})`;
  };
  /** The cost of a call at the model in keyColumn, NULL when unpriced. */
  const cost = (keyColumn: string): string =>
    caseChain(rates.map((row) => [covers(row, keyColumn), priceWith(row)]), 'NULL');
  return { cost };
}

/** CASE WHEN … THEN … over the branches, in order; `otherwise` alone when there is none. */
export function caseChain(branches: Array<[string, string]>, otherwise: string): string {
  if (branches.length === 0) return otherwise;
  return `CASE ${branches.map(([when, then]) => `WHEN ${when} THEN ${then}`).join(' ')} ELSE ${otherwise} END`;
}

/**
 * The SQL of the replayed calls, one row per stored call in the range (dropped ones included, flagged). Only
 * the calls a lever can reach go through the levers; the others replay as recorded, which spares the chain
 * the features a scenario does not name.
 */
export function replayedCallsSql(plan: ReplayPlan, keys: readonly ModelKey[], rates: readonly SimulationRateRow[], range: TimeRange): string {
  const reachable = reachableCalls(plan);
  const inRange = replayRange(range);
  if (reachable === 'TRUE') return leverCallsSql(plan, keys, rates, range, inRange);
  const unreached = recordedCallsSql(keys, `${inRange} AND NOT coalesce(${reachable}, FALSE)`);
  if (reachable === 'FALSE') return unreached;
  return `SELECT * FROM (${leverCallsSql(plan, keys, rates, range, `${inRange} AND ${reachable}`)})
    UNION ALL BY NAME
    SELECT * FROM (${unreached})`;
}

/** What a plan's levers can reach: the features they name (null: any feature) and the models an override reprices in any feature. */
function leverReach(plan: ReplayPlan): { features: string[] | null; models: readonly number[] } {
  const models = plan.priceChange?.overriddenKeys ?? [];
  if (plan.priceChange?.allCalls) return { features: null, models };
  const featureSets: FeatureSet[] = [
    ...[...plan.routes, ...plan.fineTunes, ...plan.promptCaches, ...plan.responseCaches, ...plan.outputCaps, ...plan.trims, ...plan.sessionLimits, ...plan.selfHosts].map(
      (lever) => lever.features,
    ),
    ...(plan.priceChange?.batch ? [plan.priceChange.batch.features] : []),
  ];
  if (featureSets.some((features) => features === null)) return { features: null, models };
  return { features: [...new Set(featureSets.flatMap((set) => set ?? []))], models };
}

/** The features whose calls alone a plan can touch, or null when it can touch a call of any feature. */
export function touchableFeatures(plan: ReplayPlan): string[] | null {
  const reach = leverReach(plan);
  return reach.models.length > 0 ? null : reach.features;
}

/**
 * The stored calls a lever of the plan can change, as a condition over e.feature and k.key (the stored model):
 * those of the features the levers name, and of the models whose prices the scenario overrides. TRUE when a
 * lever covers every feature or the whole rate table moves; FALSE for a plan without levers.
 */
function reachableCalls(plan: ReplayPlan): string {
  const { features, models } = leverReach(plan);
  if (features === null) return 'TRUE';
  const conditions = [
    ...(features.length > 0 ? [`e.feature IN (${features.map(quote).join(', ')})`] : []),
    ...(models.length > 0 ? [`k.key IN (${models.join(', ')})`] : []),
  ];
  return conditions.length === 0 ? 'FALSE' : `(${conditions.join(' OR ')})`;
}

/** A model key's tier (budget, mid, frontier, unpriced), as SQL over the key column. */
export function modelTierSql(keys: readonly ModelKey[], column: string): string {
  return caseChain(keys.map((key) => [`${column} = ${key.key}`, quote(key.tier)]), quote('unpriced'));
}

/** A model key's blended $/token (3 input : 1 output), NULL when unpriced, as SQL over the key column. */
export function blendedRateSql(keys: readonly ModelKey[], column: string): string {
  return caseChain(keys.filter((key) => key.blendedRate !== null).map((key) => [`${column} = ${key.key}`, String(key.blendedRate)]), 'NULL');
}

/** The calls no lever reaches, replayed as recorded: the same columns as leverCallsSql, every lever flag false. */
function recordedCallsSql(keys: readonly ModelKey[], where: string): string {
  const tier = modelTierSql(keys, 'k.key');
  const blended = blendedRateSql(keys, 'k.key');
  const no = (names: string[]): string => names.map((name) => `FALSE AS ${name}`).join(', ');
  return `SELECT e.id, e.feature, e.user_tier, e.user_id, coalesce(e.session_id, e.task_id) AS session_key, e.status, e.response_cache,
      k.key AS original_key, k.key AS model_key, NULL::INTEGER AS route_index, ${tier} AS model_tier, ${blended} < ${blended} AS to_cheaper_model,
      ${no(['dropped', 'touched', 'self_hosted', 'routed', 'escalated', 'fine_tuned', 'prompt_cache_hit', 'prompt_cache_miss', 'response_lookup', 'response_hit', 'truncated', 'batched', 'repriced'])},
      0::BIGINT AS output_cut, 0::BIGINT AS input_cut,
      e.input_tokens, e.cache_read_tokens, e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.input_audio_tokens, e.output_tokens, e.reasoning_tokens, e.output_audio_tokens,
      e.cost_total AS cost, e.cost_total AS cost0, e.cost_total AS stored_cost
    FROM ${storedCalls}
    WHERE ${where}`;
}

/** The replay of the calls `where` selects, through every lever in docs/simulate.md's order. */
function leverCallsSql(plan: ReplayPlan, keys: readonly ModelKey[], rates: readonly SimulationRateRow[], range: TimeRange, where: string): string {
  const rateOf = rateLookup(rates, range);
  const needsGap = plan.responseCaches.some((cache) => cache.ttlMs !== null);
  // The time since the previous call of the feature, for a response cache's TTL: worked out only over the
  // features of such a cache, so the window sorts their calls and not every call of the range.
  const gapFeatures = plan.responseCaches.filter((cache) => cache.ttlMs !== null).map((cache) => inFeatures(cache.features));
  const gapped = gapFeatures.includes('TRUE') ? 'TRUE' : gapFeatures.map((condition) => `(${condition})`).join(' OR ');
  const escalates = plan.routes.some((route) => route.escalateBelow > 0);

  // Step 1: route and fine-tune choose the model.
  const routeIndex = caseChain(
    plan.routes.map((route, index) => {
      const conditions = [inFeatures(route.features)];
      if (route.tiers !== null) conditions.push(`user_tier IN (${route.tiers.map(quote).join(', ')})`);
      if (route.inputAbove !== null) conditions.push(`input_tokens > ${route.inputAbove}`);
      if (route.inputAtMost !== null) conditions.push(`input_tokens <= ${route.inputAtMost}`);
      if (route.stepFrom !== null) conditions.push(`step >= ${route.stepFrom}`);
      if (route.stepTo !== null) conditions.push(`step <= ${route.stepTo}`);
      return [conditions.map((condition) => `(${condition})`).join(' AND '), String(index)];
    }),
    'NULL',
  );
  const routed = caseChain(
    plan.routes.map((route, index) => [`route_index = ${index}`, `${drawOf(drawSalt(route.drawKey, 'select'))} < ${route.selectBelow}`]),
    'FALSE',
  );
  const escalated = caseChain(
    plan.routes.map((route, index) => [`route_index = ${index}`, `${drawOf(drawSalt(route.drawKey, 'escalate'))} < ${route.escalateBelow}`]),
    'FALSE',
  );
  const routeTo = caseChain(plan.routes.map((route, index) => [`route_index = ${index}`, String(route.toKey)]), 'NULL');
  const fineTuned = caseChain(
    plan.fineTunes.map((tune) => [inFeatures(tune.features), `${drawOf(drawSalt(tune.drawKey, 'select'))} < ${tune.selectBelow}`]),
    'FALSE',
  );
  const fineTuneTo = caseChain(plan.fineTunes.map((tune) => [inFeatures(tune.features), String(tune.toKey)]), 'NULL');

  // Step 3: provider prompt cache.
  const prefix = caseChain(plan.promptCaches.map((cache) => [inFeatures(cache.features), String(cache.prefixTokens)]), '0');
  const cacheHit = caseChain(plan.promptCaches.map((cache) => [inFeatures(cache.features), `${drawOf(drawSalt(cache.drawKey, 'select'))} < ${cache.hitBelow}`]), 'FALSE');
  const oneHour = caseChain(plan.promptCaches.map((cache) => [inFeatures(cache.features), cache.oneHour ? 'TRUE' : 'FALSE']), 'FALSE');

  // Step 4: response cache.
  const lookup = caseChain(plan.responseCaches.map((cache) => [inFeatures(cache.features), 'TRUE']), 'FALSE');
  const responseHit = caseChain(
    plan.responseCaches.map((cache) => [
      inFeatures(cache.features),
      `${cache.ttlMs === null ? '' : `gap_ms IS NOT NULL AND gap_ms <= ${cache.ttlMs} AND `}${drawOf(drawSalt(cache.drawKey, 'select'))} < ${cache.hitBelow}`,
    ]),
    'FALSE',
  );
  const lookupCost = caseChain(plan.responseCaches.map((cache) => [inFeatures(cache.features), `${cache.lookupPicodollars}::BIGINT`]), '0::BIGINT');

  // Steps 5 and 6: output cap and prompt trimming.
  const cap = caseChain(plan.outputCaps.map((outputCap) => [inFeatures(outputCap.features), String(outputCap.maxTokens)]), 'NULL');
  const trimPpm = caseChain(
    plan.trims.map((trim) => [`${inFeatures(trim.features)}${trim.afterStep === null ? '' : ` AND step > ${trim.afterStep}`}`, String(trim.sharePpm)]),
    '0',
  );

  // Step 7: pricing.
  const price = plan.priceChange;
  const batchPpm = price?.batch ? caseChain([[inFeatures(price.batch.features), String(price.batch.discountPpm)]], '0') : '0';
  const repriced = price === null ? 'FALSE' : price.allCalls ? 'TRUE' : price.overriddenKeys.length > 0 ? `model_key IN (${price.overriddenKeys.join(', ')})` : 'FALSE';

  // Step 8: session limits; step 9: self-hosting.
  const limited = caseChain(plan.sessionLimits.map((limit) => [inFeatures(limit.features), 'session_key IS NOT NULL']), 'FALSE');
  const maxSteps = caseChain(plan.sessionLimits.map((limit) => [inFeatures(limit.features), limit.maxSteps === null ? 'NULL' : String(limit.maxSteps)]), 'NULL');
  const budget = caseChain(plan.sessionLimits.map((limit) => [inFeatures(limit.features), limit.maxSessionPicodollars === null ? 'NULL' : `${limit.maxSessionPicodollars}::BIGINT`]), 'NULL');
  const selfHosted = caseChain(plan.selfHosts.map((host) => [inFeatures(host.features), 'TRUE']), 'FALSE');
  const tier = modelTierSql(keys, 'model_key');
  const blended = (column: string): string => blendedRateSql(keys, column);

  const sessionWindow = 'PARTITION BY feature, session_key ORDER BY ts_ms, id';
  return `WITH stored AS NOT MATERIALIZED (
      SELECT e.id, epoch_ms(e.ts) AS ts_ms, CAST(epoch_ms(e.ts) // 1000 % 86400 AS INTEGER) AS day_second,
        e.feature, e.user_tier, e.user_id, e.step, coalesce(e.session_id, e.task_id) AS session_key, e.status, e.response_cache,
        k.key AS original_key, e.input_tokens AS original_input, e.output_tokens AS original_output,
        e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens AS uncached0,
        e.cache_read_tokens, e.cache_write_5m_tokens, e.cache_write_1h_tokens, e.input_audio_tokens, e.input_tokens,
        e.output_tokens, e.reasoning_tokens, e.output_audio_tokens, e.web_search_requests, e.cost_total AS stored_cost
      FROM ${storedCalls}
      WHERE ${where}
    ), base AS (
      ${
        needsGap
          ? `SELECT *, ts_ms - lag(ts_ms) OVER (PARTITION BY feature ORDER BY ts_ms, id) AS gap_ms FROM stored WHERE ${gapped}
             UNION ALL BY NAME
             SELECT *, NULL::BIGINT AS gap_ms FROM stored WHERE NOT coalesce(${gapped}, FALSE)`
          : 'SELECT * FROM stored'
      }
    ), routed AS (
      SELECT *, ${routed} AS routed, ${escalated} AS escalated_draw, ${routeTo} AS route_to
      FROM (SELECT *, ${routeIndex} AS route_index FROM base)
    ), chosen AS (
      SELECT *, routed AND escalated_draw AS escalated,
        (NOT routed) AND (${fineTuned}) AS fine_tuned,
        CASE WHEN routed THEN route_to WHEN (NOT routed) AND (${fineTuned}) THEN ${fineTuneTo} ELSE original_key END AS model_key
      FROM routed
    ), cached AS (
      SELECT *, least(${prefix}, uncached0) AS cacheable, ${cacheHit} AS cache_draw_hit, ${oneHour} AS one_hour FROM chosen
    ), cached2 AS (
      SELECT * REPLACE (
          cache_read_tokens + CASE WHEN cacheable > 0 AND cache_draw_hit THEN cacheable ELSE 0 END AS cache_read_tokens,
          cache_write_5m_tokens + CASE WHEN cacheable > 0 AND NOT cache_draw_hit AND NOT one_hour THEN cacheable ELSE 0 END AS cache_write_5m_tokens,
          cache_write_1h_tokens + CASE WHEN cacheable > 0 AND NOT cache_draw_hit AND one_hour THEN cacheable ELSE 0 END AS cache_write_1h_tokens),
        uncached0 - CASE WHEN cacheable > 0 THEN cacheable ELSE 0 END AS uncached1,
        cacheable > 0 AND cache_draw_hit AS prompt_cache_hit, cacheable > 0 AND NOT cache_draw_hit AS prompt_cache_miss,
        ${lookup} AS response_lookup, ${lookup} AND (${responseHit}) AS response_hit
      FROM cached
    ), answered AS (
      SELECT * REPLACE (
          CASE WHEN response_hit THEN 0 ELSE cache_read_tokens END AS cache_read_tokens,
          CASE WHEN response_hit THEN 0 ELSE cache_write_5m_tokens END AS cache_write_5m_tokens,
          CASE WHEN response_hit THEN 0 ELSE cache_write_1h_tokens END AS cache_write_1h_tokens,
          CASE WHEN response_hit THEN 0 ELSE input_audio_tokens END AS input_audio_tokens,
          CASE WHEN response_hit THEN 0 ELSE output_tokens END AS output_tokens,
          CASE WHEN response_hit THEN 0 ELSE reasoning_tokens END AS reasoning_tokens,
          CASE WHEN response_hit THEN 0 ELSE output_audio_tokens END AS output_audio_tokens,
          CASE WHEN response_hit THEN 0 ELSE web_search_requests END AS web_search_requests),
        CASE WHEN response_hit THEN 0 ELSE uncached1 END AS uncached2, ${cap} AS cap
      FROM cached2
    ), capped AS (
      SELECT * REPLACE (
          CASE WHEN truncated THEN least(reasoning_tokens, cap) ELSE reasoning_tokens END AS reasoning_tokens,
          CASE WHEN truncated THEN cap + output_audio_tokens ELSE output_tokens END AS output_tokens),
        CASE WHEN truncated THEN output_tokens - output_audio_tokens - cap ELSE 0 END AS output_cut
      FROM (SELECT *, cap IS NOT NULL AND output_tokens - output_audio_tokens > cap AS truncated FROM answered)
    ), trimmed AS (
      SELECT *, uncached2 - input_cut AS uncached FROM (SELECT *, (uncached2 * ${trimPpm}) // ${drawScale} AS input_cut FROM capped)
    ), s AS (
      SELECT * REPLACE (uncached + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + input_audio_tokens AS input_tokens),
        ${batchPpm} AS batch_ppm, ${repriced} AS repriced
      FROM trimmed
    ), indexed AS (
      SELECT *, routed OR fine_tuned OR prompt_cache_hit OR prompt_cache_miss OR response_lookup OR truncated OR input_cut > 0 OR batch_ppm > 0 OR repriced AS touched
      FROM s
    ), priced AS (
      SELECT *,
        CASE WHEN NOT touched OR response_hit THEN 0::BIGINT
             ${escalates ? `WHEN escalated THEN ${rateOf.cost('model_key')} + ${rateOf.cost('original_key')}` : ''}
             ELSE ${rateOf.cost('model_key')} END AS model_cost
      FROM indexed
    ), costed AS (
      SELECT *, CASE WHEN NOT touched THEN stored_cost
                     WHEN model_cost IS NULL THEN NULL
                     ELSE model_cost - ((model_cost // ${drawScale}) * batch_ppm + ((model_cost % ${drawScale}) * batch_ppm) // ${drawScale}) + (${lookupCost}) END AS cost0
      FROM priced
    ), limited AS (
      SELECT *, ${limited} AS is_limited, ${maxSteps} AS max_steps, ${budget} AS budget FROM costed
    ), sessions AS (
      ${
        plan.sessionLimits.length === 0
          ? 'SELECT *, FALSE AS dropped FROM limited'
          : `SELECT *, is_limited AND (
                (max_steps IS NOT NULL AND row_number() OVER (${sessionWindow}) > max_steps)
                OR (budget IS NOT NULL AND coalesce(sum(cost0) OVER (${sessionWindow} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) >= budget)) AS dropped
             FROM limited WHERE is_limited
             UNION ALL BY NAME
             SELECT *, FALSE AS dropped FROM limited WHERE NOT is_limited`
      }
    )
    SELECT id, feature, user_tier, user_id, session_key, status, response_cache, original_key, model_key, route_index,
      ${tier} AS model_tier, ${blended('model_key')} < ${blended('original_key')} AS to_cheaper_model, dropped,
      touched OR dropped OR (NOT dropped AND ${selfHosted}) AS touched,
      NOT dropped AND ${selfHosted} AS self_hosted,
      routed, escalated, fine_tuned, prompt_cache_hit, prompt_cache_miss, response_lookup, response_hit, truncated,
      CASE WHEN dropped THEN 0 ELSE output_cut END AS output_cut, CASE WHEN dropped THEN 0 ELSE input_cut END AS input_cut,
      batch_ppm > 0 AS batched, repriced,
      CASE WHEN dropped THEN 0 ELSE input_tokens END AS input_tokens,
      CASE WHEN dropped THEN 0 ELSE cache_read_tokens END AS cache_read_tokens,
      CASE WHEN dropped THEN 0 ELSE cache_write_5m_tokens END AS cache_write_5m_tokens,
      CASE WHEN dropped THEN 0 ELSE cache_write_1h_tokens END AS cache_write_1h_tokens,
      CASE WHEN dropped THEN 0 ELSE input_audio_tokens END AS input_audio_tokens,
      CASE WHEN dropped THEN 0 ELSE output_tokens END AS output_tokens,
      CASE WHEN dropped THEN 0 ELSE reasoning_tokens END AS reasoning_tokens,
      CASE WHEN dropped THEN 0 ELSE output_audio_tokens END AS output_audio_tokens,
      CASE WHEN dropped THEN 0::BIGINT WHEN ${selfHosted} THEN (CASE WHEN response_lookup THEN ${lookupCost} ELSE 0::BIGINT END) ELSE cost0 END AS cost,
      CASE WHEN dropped THEN NULL ELSE cost0 END AS cost0, stored_cost
    FROM sessions`;
}

import { drawSalt, drawScale, type FeatureSet, type ModelKey, type ReplayPlan, type SimulationRateRow } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';
import { eventsInRange } from './event-range.js';
import { caseChain, rateLookup } from './rate-lookup.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * What the what-if replay asks, written once for every backend: one row per stored call of the range, through
 * the levers in docs/simulate.md's order, each step a relation adding the columns its lever decides. It mirrors
 * replayCalls (src/core/simulate/replay-calls.ts) line for line; simulate-replay.int.test.ts holds the two to
 * the same picodollars call by call, and clickhouse-simulate.int.test.ts holds ClickHouse to DuckDB.
 *
 * Two steps read calls in order — a response cache's TTL (the time since the feature's previous call) and
 * session limits (a session's calls in time order, and the cost of the earlier ones). In DuckDB neither sorts
 * every column of the calls: the TTL is answered by buckets of one TTL (a GROUP BY, no sort), and the session
 * window runs over a narrow projection of the sessions that can reach a cap, the calls it cuts joined back by
 * id; replayGroups stages both in scratch tables once per replay (replayScratchSql). ClickHouse 18.16 has no
 * window functions, so there each group's calls are sorted into an array (groupArray, arraySort, arrayCumSum),
 * read back with ARRAY JOIN and joined to the calls by id: the same order (time, then id) and the same
 * arithmetic. Relations are CTEs where the dialect has them and nested subqueries where it has not (ClickHouse
 * then computes a relation read twice twice).
 *
 * A call's cost is a 64-bit integer of picodollars (a call would have to cost $9 million to overflow it);
 * sums are taken exactly by the queries that read these rows (simulate-replay-groups.ts).
 */

/** The replayed calls' columns, in the order both branches of the replay give them. */
export const replayedColumns = [
  'id', 'feature', 'user_tier', 'user_id', 'session_key', 'status', 'response_cache', 'original_key', 'model_key', 'route_index', 'model_tier',
  'to_cheaper_model', 'dropped', 'touched', 'self_hosted', 'routed', 'escalated', 'fine_tuned', 'prompt_cache_hit', 'prompt_cache_miss', 'response_lookup',
  'response_hit', 'truncated', 'output_cut', 'input_cut', 'batched', 'repriced', 'input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens',
  'cache_write_1h_tokens', 'input_audio_tokens', 'output_tokens', 'reasoning_tokens', 'output_audio_tokens', 'cost', 'cost0', 'stored_cost',
] as const;

/**
 * Relations written as CTEs, or nested where the dialect has none: `ref(name)` reads an earlier one either way.
 * It adds two things to relation-chain.ts: a relation DuckDB must not materialize (read twice, each time
 * filtered), and steps that only add columns (`columns`). Each such step is a CTE of its own in DuckDB; where
 * there are no CTEs, consecutive ones are merged into one SELECT whose aliases read each other (ClickHouse
 * resolves an alias anywhere in its SELECT): ClickHouse 18.16 took ~1 s to analyse the twenty nested levels the
 * chain would otherwise be, before reading a row.
 */
function relationChain(dialect: SqlDialect) {
  type Relation = { name: string; inline: boolean } & ({ sql: string } | { from: string; columns: Array<[string, string]> });
  const relations: Relation[] = [];
  const find = (name: string): Relation => {
    const relation = relations.find((candidate) => candidate.name === name);
    if (!relation) throw new Error(`no relation ${name} yet`);
    return relation;
  };
  const sqlOf = (relation: Relation): string =>
    'sql' in relation ? relation.sql : `SELECT *, ${relation.columns.map(([name, expression]) => `${expression} AS ${name}`).join(',\n      ')} FROM ${ref(relation.from)} AS calls`;
  const ref = (name: string): string => (dialect.namedRelations ? name : `(${sqlOf(find(name))})`);
  return {
    ref,
    /** Adds a relation; `inline` asks DuckDB not to materialize it (it is read twice, each time filtered). */
    add(name: string, sql: string, inline = false): void {
      relations.push({ name, sql, inline });
    },
    /**
     * Asks DuckDB not to materialize a relation later ones read more than once, nor the column steps it is built
     * on (each would then be read as often): DuckDB materializes a CTE read twice, here every column of every call.
     */
    inline(name: string): void {
      for (let relation: Relation | null = find(name); relation !== null; relation = 'from' in relation ? find(relation.from) : null) relation.inline = true;
    },
    /**
     * Adds the columns (name, expression), in order, to the relation `from`; `level` starts a SELECT of its own
     * even where steps are merged, so that its expressions read the earlier columns as columns, not as aliases
     * ClickHouse would expand into each place they are read.
     */
    columns(name: string, from: string, columns: Array<[string, string]>, level = false): void {
      const previous = find(from);
      if (!dialect.namedRelations && !level && 'columns' in previous) relations.push({ name, inline: false, from: previous.from, columns: [...previous.columns, ...columns] });
      else relations.push({ name, inline: false, from, columns });
    },
    render(select: string): string {
      if (!dialect.namedRelations) return select;
      const named = relations.map((relation) => `${relation.name} AS ${relation.inline ? 'NOT MATERIALIZED ' : ''}(${sqlOf(relation)})`);
      return `WITH ${named.join(',\n    ')}\n    ${select}`;
    },
  };
}

/** The condition that a call's feature is one of a lever's (null: every feature). */
export function inFeatures(features: FeatureSet, dialect: SqlDialect, column = 'feature'): string {
  if (features === null) return dialect.boolean(true);
  if (features.length === 0) return dialect.boolean(false);
  return `${column} IN (${features.map(dialect.string).join(', ')})`;
}

/**
 * A call's draw for a salt, in [0, drawScale): 32 bits of MD5(id ‖ '#' ‖ salt), which every backend computes
 * alike, so that DuckDB and ClickHouse pick the same calls (and a DuckDB upgrade picks the same ones again).
 */
export function drawSql(dialect: SqlDialect, salt: string, idColumn = 'id'): string {
  return `(${dialect.md5Bits32(`concat(${idColumn}, ${dialect.string(`#${salt}`)})`)} % ${drawScale})`;
}

/** A model key's tier (budget, mid, frontier, unpriced), as SQL over the key column. */
export function modelTierSql(keys: readonly ModelKey[], column: string, dialect: SqlDialect): string {
  return caseChain(keys.map((key) => [`${column} = ${key.key}`, dialect.string(key.tier)]), dialect.string('unpriced'));
}

/** A model key's blended $/token (3 input : 1 output), NULL when unpriced, as SQL over the key column. */
export function blendedRateSql(keys: readonly ModelKey[], column: string): string {
  return caseChain(keys.filter((key) => key.blendedRate !== null).map((key) => [`${column} = ${key.key}`, String(key.blendedRate)]), 'NULL');
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
 * The stored calls a lever of the plan can change, as a condition over feature and original_key: those of the
 * features the levers name, and of the models whose prices the scenario overrides. TRUE when a lever covers
 * every feature or the whole rate table moves; FALSE for a plan without levers.
 */
function reachableCalls(plan: ReplayPlan, dialect: SqlDialect): string {
  const { features, models } = leverReach(plan);
  if (features === null) return dialect.boolean(true);
  const conditions = [...(features.length > 0 ? [inFeatures(features, dialect)] : []), ...(models.length > 0 ? [`original_key IN (${models.join(', ')})`] : [])];
  return conditions.length === 0 ? dialect.boolean(false) : `(${conditions.join(' OR ')})`;
}

/**
 * The stored calls no lever can change: NOT reachableCalls, written where it only names features as a condition on
 * the feature column alone, which the scan can then apply itself (it read every column of every call otherwise).
 */
function unreachableCalls(plan: ReplayPlan, reachable: string, dialect: SqlDialect): string {
  const { features, models } = leverReach(plan);
  if (features !== null && features.length > 0 && models.length === 0) return `(feature IS NULL OR feature NOT IN (${features.map(dialect.string).join(', ')}))`;
  return `NOT coalesce(${reachable}, ${dialect.boolean(false)})`;
}

/**
 * The model keys as a relation (join_provider, no_provider, model, k_key) to join the stored calls to: an
 * equi-join on three columns, since a stored provider may be null and ClickHouse joins on equality only.
 */
function keysRelation(keys: readonly ModelKey[], dialect: SqlDialect): string {
  const row = (provider: string | null, model: string, key: number): string =>
    `SELECT ${dialect.string(provider ?? '')} AS join_provider, ${dialect.boolean(provider === null)} AS no_provider, ${dialect.string(model)} AS model, CAST(${key} AS BIGINT) AS k_key`;
  if (keys.length === 0) return `(${row(null, '', -1)} WHERE ${dialect.boolean(false)})`;
  return `(${keys.map((key) => row(key.provider, key.model, key.key)).join(' UNION ALL ')})`;
}

/** The stored calls of the range with their model's key, the columns the levers read; `where` filters them (over feature and original_key). */
function storedCallsSql(keys: readonly ModelKey[], range: TimeRange, dialect: SqlDialect, where: string): string {
  return `SELECT id, ts_ms, day_second, feature, user_tier, user_id, step, session_key, status, response_cache, k_key AS original_key,
        input0, uncached0, read0, write5m0, write1h0, audio_in0, output0, reasoning0, audio_out0, web0, stored_cost
      FROM (SELECT e.id AS id, ${dialect.eventMs('e')} AS ts_ms, ${dialect.eventDaySecond('e')} AS day_second,
          e.feature AS feature, e.user_tier AS user_tier, e.user_id AS user_id, e.step AS step, coalesce(e.session_id, e.task_id) AS session_key,
          e.status AS status, e.response_cache AS response_cache, ifNull(e.provider, '') AS join_provider, e.provider IS NULL AS no_provider, e.model AS model,
          e.input_tokens AS input0, e.input_tokens - e.cache_read_tokens - e.cache_write_5m_tokens - e.cache_write_1h_tokens - e.input_audio_tokens AS uncached0,
          e.cache_read_tokens AS read0, e.cache_write_5m_tokens AS write5m0, e.cache_write_1h_tokens AS write1h0, e.input_audio_tokens AS audio_in0,
          e.output_tokens AS output0, e.reasoning_tokens AS reasoning0, e.output_audio_tokens AS audio_out0, e.web_search_requests AS web0, e.cost_total AS stored_cost
        FROM ${dialect.table('usage_events', 'e')}
        WHERE ${eventsInRange(dialect, 'e', range)}) AS stored_events
      ${dialect.join('inner')} ${keysRelation(keys, dialect)} AS k USING (join_provider, no_provider, model)
      WHERE ${where}`;
}

/**
 * The SQL of the replayed calls, one row per stored call in the range (dropped ones included, flagged), with
 * the columns of replayedColumns. Only the calls a lever can reach go through the levers; the others replay
 * as recorded, which spares the chain the features a scenario does not name.
 */
export function replayedCallsSql(
  plan: ReplayPlan,
  keys: readonly ModelKey[],
  rates: readonly SimulationRateRow[],
  range: TimeRange,
  dialect: SqlDialect,
  scratch: ReplayScratch = noScratch,
): string {
  const reachable = reachableCalls(plan, dialect);
  const yes = dialect.boolean(true);
  const no = dialect.boolean(false);
  const unreached = recordedCallsSql(keys, storedCallsSql(keys, range, dialect, unreachableCalls(plan, reachable, dialect)), dialect);
  if (reachable === no) return unreached;
  const levers = leverCallsSql(plan, keys, rates, range, dialect, storedCallsSql(keys, range, dialect, reachable), { scratch });
  if (reachable === yes) return levers;
  return `SELECT * FROM (${levers}) AS lever_calls UNION ALL SELECT * FROM (${unreached}) AS recorded_calls`;
}

/**
 * Tables holding what the ordered steps work out, where the dialect has window functions: a response cache's TTL
 * buckets (ttlEdges) and the calls session limits cut (sessionCuts); null to work them out within the query.
 * The replay reads its calls three times (sums, per-user sums, session counts): staged once, the two ordered
 * steps are not repeated (replayGroups).
 */
export interface ReplayScratch {
  ttlEdges: string | null;
  sessionCuts: string | null;
}

const noScratch: ReplayScratch = { ttlEdges: null, sessionCuts: null };

/**
 * The tables a plan's ordered steps can be staged in, in order, each with the SELECT that fills it (the later
 * ones read the earlier ones): none for a plan without a TTL or session limit, or a dialect without window
 * functions (ClickHouse sorts arrays within the query). The replay then reads them through replayedCallsSql's
 * `scratch`.
 */
export function replayScratchSql(
  plan: ReplayPlan,
  keys: readonly ModelKey[],
  rates: readonly SimulationRateRow[],
  range: TimeRange,
  dialect: SqlDialect,
  names: { ttlEdges: string; sessionCuts: string },
): Array<{ step: keyof ReplayScratch; table: string; select: string }> {
  const reachable = reachableCalls(plan, dialect);
  if (!dialect.windowFunctions || reachable === dialect.boolean(false)) return [];
  const stored = storedCallsSql(keys, range, dialect, reachable);
  const staged: Array<{ step: keyof ReplayScratch; table: string; select: string }> = [];
  const scratch: ReplayScratch = { ...noScratch };
  if (plan.responseCaches.some((cache) => cache.ttlMs !== null)) {
    staged.push({ step: 'ttlEdges', table: names.ttlEdges, select: leverCallsSql(plan, keys, rates, range, dialect, stored, { scratch, only: 'ttlEdges' }) });
    scratch.ttlEdges = names.ttlEdges;
  }
  if (plan.sessionLimits.length > 0) {
    staged.push({ step: 'sessionCuts', table: names.sessionCuts, select: leverCallsSql(plan, keys, rates, range, dialect, stored, { scratch, only: 'sessionCuts' }) });
  }
  return staged;
}

/** The calls no lever reaches, replayed as recorded: the same columns as leverCallsSql, every lever flag false. */
function recordedCallsSql(keys: readonly ModelKey[], stored: string, dialect: SqlDialect): string {
  const no = dialect.boolean(false);
  const blended = blendedRateSql(keys, 'original_key');
  const values: Record<(typeof replayedColumns)[number], string> = {
    id: 'id', feature: 'feature', user_tier: 'user_tier', user_id: 'user_id', session_key: 'session_key', status: 'status', response_cache: 'response_cache',
    original_key: 'original_key', model_key: 'original_key', route_index: dialect.nullInteger, model_tier: modelTierSql(keys, 'original_key', dialect),
    to_cheaper_model: `${blended} < ${blended}`,
    dropped: no, touched: no, self_hosted: no, routed: no, escalated: no, fine_tuned: no, prompt_cache_hit: no, prompt_cache_miss: no, response_lookup: no,
    response_hit: no, truncated: no, output_cut: 'CAST(0 AS BIGINT)', input_cut: 'CAST(0 AS BIGINT)', batched: no, repriced: no,
    input_tokens: 'input0', cache_read_tokens: 'read0', cache_write_5m_tokens: 'write5m0', cache_write_1h_tokens: 'write1h0', input_audio_tokens: 'audio_in0',
    output_tokens: 'output0', reasoning_tokens: 'reasoning0', output_audio_tokens: 'audio_out0', cost: 'stored_cost', cost0: 'stored_cost', stored_cost: 'stored_cost',
  };
  return `SELECT ${replayedColumns.map((name) => (values[name] === name ? name : `${dialect.column(values[name])} AS ${name}`)).join(', ')} FROM (${stored}) AS unreached_calls`;
}

/** The replay of the calls `stored` selects, through every lever in docs/simulate.md's order. */
function leverCallsSql(
  plan: ReplayPlan,
  keys: readonly ModelKey[],
  rates: readonly SimulationRateRow[],
  range: TimeRange,
  dialect: SqlDialect,
  stored: string,
  staging: { scratch: ReplayScratch; only?: keyof ReplayScratch } = { scratch: noScratch },
): string {
  const yes = dialect.boolean(true);
  const no = dialect.boolean(false);
  const features = (set: FeatureSet): string => inFeatures(set, dialect);
  const bigint = (value: bigint | number): string => `CAST(${BigInt(value)} AS BIGINT)`;
  const divide = (dividend: string, divisor: string | number): string => dialect.integerDivide(dividend, String(divisor));
  const drawOf = (salt: string): string => drawSql(dialect, salt);
  // draw < below, where a draw is in [0, drawScale): a share of 0 or 1 (a route's default share, no misroutes)
  // needs no draw, which is an MD5 per call.
  const drawBelow = (salt: string, below: number): string => (below <= 0 ? no : below >= drawScale ? yes : `${drawOf(salt)} < ${below}`);
  const rateOf = rateLookup(rates, range);
  const escalates = plan.routes.some((route) => route.escalateBelow > 0);
  const chain = relationChain(dialect);
  chain.add('stored', stored, true);
  const { scratch, only } = staging;

  // A response cache's TTL asks whether the feature's previous call (in time, then id, order) came at most TTL ago.
  // Worked out only over the features of such a cache.
  const gapFeatures = plan.responseCaches.filter((cache) => cache.ttlMs !== null).map((cache) => features(cache.features));
  if (gapFeatures.length === 0) {
    chain.add('base', `SELECT *, ${dialect.nullInteger} AS gap_ms FROM ${chain.ref('stored')} AS calls`);
  } else if (dialect.windowFunctions) {
    // Without sorting: the calls are cut into buckets of one TTL (floor(ts_ms / TTL)); a call's previous call is
    // within its TTL if it is not the first of its bucket (an earlier call of the same bucket is less than a TTL
    // before it), or if the last call of the bucket before came at most a TTL before it (older buckets are
    // further back than a TTL). So a GROUP BY per (feature, bucket) — 90 rows for a day's TTL over 90 days —
    // and one join answer what a window over every column of the feature's calls sorted (BENCHMARKS.md, "Simulate").
    const ttlOf = caseChain(plan.responseCaches.map((cache) => [inFeatures(cache.features, dialect, 'calls.feature'), cache.ttlMs === null ? 'NULL' : bigint(cache.ttlMs)]), 'NULL');
    const ttlCalls = `(${plan.responseCaches.filter((cache) => cache.ttlMs !== null).map((cache) => `(${inFeatures(cache.features, dialect, 'calls.feature')})`).join(' OR ')}) AND ${ttlOf} IS NOT NULL`;
    // floor(ts_ms / TTL), also before 1970 (// truncates toward zero); a TTL of 0 counts only calls at the same millisecond.
    const width = `greatest(${ttlOf}, 1)`;
    const bucketOf = `(calls.ts_ms - ((calls.ts_ms % ${width}) + ${width}) % ${width}) // ${width}`;
    const edges = scratch.ttlEdges ?? 'ttl_edges';
    if (scratch.ttlEdges === null) {
      chain.add('ttl_buckets', `SELECT feature, bucket, min({'t': ts_ms, 'i': id}) AS first_call, max(ts_ms) AS last_ms
         FROM (SELECT feature, ts_ms, id, ${bucketOf} AS bucket FROM ${chain.ref('stored')} AS calls WHERE ${ttlCalls}) AS calls GROUP BY feature, bucket`);
      chain.add('ttl_edges', `SELECT own.feature AS feature, own.bucket AS bucket, own.first_call AS first_call, previous.last_ms AS previous_last_ms
         FROM ttl_buckets AS own LEFT JOIN ttl_buckets AS previous ON previous.feature IS NOT DISTINCT FROM own.feature AND previous.bucket = own.bucket - 1`);
      if (only === 'ttlEdges') return chain.render('SELECT * FROM ttl_edges');
    }
    // One read of the calls: those without a TTL have no bucket, find no edge and get no gap_fresh.
    chain.add('base', `SELECT calls.* EXCLUDE (ttl_ms, ttl_bucket), ${dialect.nullInteger} AS gap_ms,
         CASE WHEN edges.bucket IS NOT NULL THEN calls.ts_ms > edges.first_call.t OR (calls.ts_ms = edges.first_call.t AND calls.id > edges.first_call.i)
           OR coalesce(edges.previous_last_ms >= calls.ts_ms - calls.ttl_ms, FALSE) END AS gap_fresh
       FROM (SELECT *, ${ttlOf} AS ttl_ms, CASE WHEN ${ttlCalls} THEN ${bucketOf} END AS ttl_bucket FROM ${chain.ref('stored')} AS calls) AS calls
       LEFT JOIN ${edges} AS edges ON edges.feature IS NOT DISTINCT FROM calls.feature AND edges.bucket = calls.ttl_bucket`);
  } else {
    const gapped = gapFeatures.includes(yes) ? yes : gapFeatures.map((condition) => `(${condition})`).join(' OR ');
    // Per feature, its calls sorted by (time, id); each one's gap to the one before (-1 for the first).
    chain.add('base', `SELECT *, CASE WHEN (${gapped}) AND gap_found >= 0 THEN gap_found ELSE NULL END AS gap_ms
         FROM ${chain.ref('stored')} AS calls ${dialect.join('left')} (
           SELECT gap_call AS id, gap_value AS gap_found FROM (
             SELECT arrayMap(call -> tupleElement(call, 2), ordered) AS gap_calls,
               arrayMap((gap, position) -> if(position = 1, -1, gap), arrayDifference(arrayMap(call -> tupleElement(call, 1), ordered)), arrayEnumerate(ordered)) AS gap_values
             FROM (SELECT arraySort(groupArray((ts_ms, id))) AS ordered FROM ${chain.ref('stored')} AS calls WHERE ${gapped} GROUP BY feature))
           ARRAY JOIN gap_calls AS gap_call, gap_values AS gap_value
         ) AS gaps USING (id)`);
  }
  const fresh = (ttlMs: number): string => (dialect.windowFunctions ? 'coalesce(gap_fresh, FALSE)' : `gap_ms IS NOT NULL AND gap_ms <= ${ttlMs}`);

  // Step 1: route and fine-tune choose the model.
  const routeIndex = caseChain(
    plan.routes.map((route, index) => {
      const conditions = [features(route.features)];
      if (route.tiers !== null) conditions.push(`user_tier IN (${route.tiers.map(dialect.string).join(', ')})`);
      if (route.inputAbove !== null) conditions.push(`input0 > ${route.inputAbove}`);
      if (route.inputAtMost !== null) conditions.push(`input0 <= ${route.inputAtMost}`);
      if (route.stepFrom !== null) conditions.push(`step >= ${route.stepFrom}`);
      if (route.stepTo !== null) conditions.push(`step <= ${route.stepTo}`);
      return [conditions.map((condition) => `(${condition})`).join(' AND '), String(index)];
    }),
    'NULL',
  );
  const routedDraw = caseChain(plan.routes.map((route, index) => [`route_index = ${index}`, drawBelow(drawSalt(route.drawKey, 'select'), route.selectBelow)]), no);
  const escalatedDraw = caseChain(plan.routes.map((route, index) => [`route_index = ${index}`, drawBelow(drawSalt(route.drawKey, 'escalate'), route.escalateBelow)]), no);
  const routeTo = caseChain(plan.routes.map((route, index) => [`route_index = ${index}`, String(route.toKey)]), 'NULL');
  const fineTuneDraw = caseChain(plan.fineTunes.map((tune) => [features(tune.features), drawBelow(drawSalt(tune.drawKey, 'select'), tune.selectBelow)]), no);
  const fineTuneTo = caseChain(plan.fineTunes.map((tune) => [features(tune.features), String(tune.toKey)]), 'NULL');
  chain.columns('indexed_route', 'base', [['route_index', routeIndex]]);
  chain.columns('routed_calls', 'indexed_route', [
    ['routed', `coalesce(${routedDraw}, ${no})`],
    ['route_to', routeTo],
  ]);
  // A call's misroute draw only where it is routed: CASE reads its branch for the rows that take it.
  chain.columns('tuned', 'routed_calls', [
    ['escalated_draw', `CASE WHEN routed THEN coalesce(${escalatedDraw}, ${no}) ELSE ${no} END`],
    ['fine_tuned', `(NOT routed) AND coalesce(${fineTuneDraw}, ${no})`],
  ]);
  chain.columns('chosen', 'tuned', [
    ['escalated', 'routed AND escalated_draw'],
    ['model_key', `CASE WHEN routed THEN route_to WHEN fine_tuned THEN ${fineTuneTo} ELSE original_key END`],
  ]);

  // Step 3: provider prompt cache.
  const prefix = caseChain(plan.promptCaches.map((cache) => [features(cache.features), String(cache.prefixTokens)]), '0');
  const cacheHit = caseChain(plan.promptCaches.map((cache) => [features(cache.features), drawBelow(drawSalt(cache.drawKey, 'select'), cache.hitBelow)]), no);
  const oneHour = caseChain(plan.promptCaches.map((cache) => [features(cache.features), dialect.boolean(cache.oneHour)]), no);
  // Step 4: response cache.
  const lookup = caseChain(plan.responseCaches.map((cache) => [features(cache.features), yes]), no);
  const responseHit = caseChain(
    plan.responseCaches.map((cache) => [
      features(cache.features),
      `${cache.ttlMs === null ? '' : `${fresh(cache.ttlMs)} AND `}${drawBelow(drawSalt(cache.drawKey, 'select'), cache.hitBelow)}`,
    ]),
    no,
  );
  const lookupCost = caseChain(plan.responseCaches.map((cache) => [features(cache.features), bigint(cache.lookupPicodollars)]), bigint(0));
  chain.columns('cached', 'chosen', [
    ['cacheable', `least(${prefix}, uncached0)`],
    ['cache_draw_hit', `coalesce(${cacheHit}, ${no})`],
    ['one_hour', `coalesce(${oneHour}, ${no})`],
    ['response_lookup', `coalesce(${lookup}, ${no})`],
  ]);
  chain.columns('prompt_cached', 'cached', [
    ['read1', 'read0 + CASE WHEN cacheable > 0 AND cache_draw_hit THEN cacheable ELSE 0 END'],
    ['write5m1', 'write5m0 + CASE WHEN cacheable > 0 AND NOT cache_draw_hit AND NOT one_hour THEN cacheable ELSE 0 END'],
    ['write1h1', 'write1h0 + CASE WHEN cacheable > 0 AND NOT cache_draw_hit AND one_hour THEN cacheable ELSE 0 END'],
    ['uncached1', 'uncached0 - CASE WHEN cacheable > 0 THEN cacheable ELSE 0 END'],
    ['prompt_cache_hit', 'cacheable > 0 AND cache_draw_hit'],
    ['prompt_cache_miss', 'cacheable > 0 AND NOT cache_draw_hit'],
    ['response_hit', `response_lookup AND coalesce(${responseHit}, ${no})`],
  ]);
  // Steps 4 (a hit makes no model call) and 5: output cap.
  const cap = caseChain(plan.outputCaps.map((outputCap) => [features(outputCap.features), String(outputCap.maxTokens)]), 'NULL');
  const unlessAnswered = (column: string): string => `CASE WHEN response_hit THEN 0 ELSE ${column} END`;
  chain.columns('answered', 'prompt_cached', [
    ['read2', unlessAnswered('read1')],
    ['write5m2', unlessAnswered('write5m1')],
    ['write1h2', unlessAnswered('write1h1')],
    ['audio_in2', unlessAnswered('audio_in0')],
    ['output2', unlessAnswered('output0')],
    ['reasoning2', unlessAnswered('reasoning0')],
    ['audio_out2', unlessAnswered('audio_out0')],
    ['web2', unlessAnswered('web0')],
    ['uncached2', unlessAnswered('uncached1')],
    ['cap', cap],
  ]);
  chain.columns('capping', 'answered', [['truncated', `coalesce(cap IS NOT NULL AND output2 - audio_out2 > cap, ${no})`]]);
  chain.columns('capped', 'capping', [
    ['reasoning3', 'CASE WHEN truncated THEN least(reasoning2, cap) ELSE reasoning2 END'],
    ['output3', 'CASE WHEN truncated THEN cap + audio_out2 ELSE output2 END'],
    ['output_cut_by_cap', 'CASE WHEN truncated THEN output2 - audio_out2 - cap ELSE 0 END'],
  ]);

  // Step 6: prompt trimming.
  const trimPpm = caseChain(
    plan.trims.map((trim) => [`${features(trim.features)}${trim.afterStep === null ? '' : ` AND step > ${trim.afterStep}`}`, String(trim.sharePpm)]),
    '0',
  );
  chain.columns('trimming', 'capped', [['input_cut_by_trim', divide(`uncached2 * coalesce(${trimPpm}, 0)`, drawScale)]]);
  chain.columns('trimmed', 'trimming', [['uncached', 'uncached2 - input_cut_by_trim']]);

  // Step 7: pricing. The columns take the names the rate lookup reads (rate-lookup.ts).
  const price = plan.priceChange;
  const batchPpm = price?.batch ? caseChain([[features(price.batch.features), String(price.batch.discountPpm)]], '0') : '0';
  const repriced = price === null ? no : price.allCalls ? yes : price.overriddenKeys.length > 0 ? `model_key IN (${price.overriddenKeys.join(', ')})` : no;
  chain.columns('renamed', 'trimmed', [
    ['cache_read_tokens', 'read2'],
    ['cache_write_5m_tokens', 'write5m2'],
    ['cache_write_1h_tokens', 'write1h2'],
    ['input_audio_tokens', 'audio_in2'],
    ['output_tokens', 'output3'],
    ['reasoning_tokens', 'reasoning3'],
    ['output_audio_tokens', 'audio_out2'],
    ['web_search_requests', 'web2'],
  ]);
  chain.columns('rated', 'renamed', [
    ['input_tokens', 'uncached + cache_read_tokens + cache_write_5m_tokens + cache_write_1h_tokens + input_audio_tokens'],
    ['batch_ppm', `coalesce(${batchPpm}, 0)`],
    ['repriced', `coalesce(${repriced}, ${no})`],
  ]);
  chain.columns('touched_calls', 'rated', [
    ['lever_touched', 'routed OR fine_tuned OR prompt_cache_hit OR prompt_cache_miss OR response_lookup OR truncated OR input_cut_by_trim > 0 OR batch_ppm > 0 OR repriced'],
  ]);
  // A level of its own: the rate lookup's CASE reads the token columns in every branch.
  chain.columns('priced', 'touched_calls', [
    [
      'model_cost',
      `CASE WHEN NOT lever_touched OR response_hit THEN ${bigint(0)}
           ${escalates ? `WHEN escalated THEN ${rateOf.cost('model_key')} + ${rateOf.cost('original_key')}` : ''}
           ELSE ${rateOf.cost('model_key')} END`,
    ],
  ], true);
  // floor(cost × discount), split so that the product stays within 64 bits.
  const discount = `${divide('model_cost', drawScale)} * batch_ppm + ${divide(`(model_cost % ${drawScale}) * batch_ppm`, drawScale)}`;
  chain.columns('costed', 'priced', [
    ['call_cost', `CASE WHEN NOT lever_touched THEN stored_cost WHEN model_cost IS NULL THEN NULL ELSE model_cost - (${discount}) + (${lookupCost}) END`],
  ]);

  // Step 8: session limits; step 9: self-hosting.
  const limited = caseChain(plan.sessionLimits.map((limit) => [features(limit.features), 'session_key IS NOT NULL']), no);
  const maxSteps = caseChain(plan.sessionLimits.map((limit) => [features(limit.features), limit.maxSteps === null ? '-1' : String(limit.maxSteps)]), '-1');
  const budget = caseChain(plan.sessionLimits.map((limit) => [features(limit.features), limit.maxSessionPicodollars === null ? bigint(-1) : bigint(limit.maxSessionPicodollars)]), bigint(-1));
  if (plan.sessionLimits.length === 0) {
    chain.columns('sessions', 'costed', [['dropped', no]]);
  } else {
    // No step cap or budget is -1. In each (feature, session), calls in time order beyond max_steps, or starting
    // once the earlier calls' cost reached the budget, are not made.
    chain.columns('limited', 'costed', [
      ['is_limited', `coalesce(${limited}, ${no})`],
      ['max_steps', maxSteps],
      ['budget', budget],
    ]);
    const sessionWindow = 'PARTITION BY feature, session_key ORDER BY ts_ms, id';
    if (dialect.windowFunctions) {
      // The window runs over a narrow projection (id, session, time, cost, caps), and only over the sessions
      // that can reach a cap: more calls than max_steps, or calls costing at least the budget in all (a call
      // starting at or over the budget needs the earlier ones to cost that much). The calls it cuts join back
      // by id. `limited` is read twice, so DuckDB is asked not to materialize it: it would copy every column
      // of every call (BENCHMARKS.md, "Simulate").
      chain.inline('limited');
      if (scratch.sessionCuts === null) {
        // The limits' features once more, plainly: inside is_limited's CASE they do not reach the scan, which then
        // read every column of every call for the few the limits name.
        const limitedFeatures = plan.sessionLimits.some((limit) => limit.features === null) ? yes : plan.sessionLimits.map((limit) => `(${features(limit.features)})`).join(' OR ');
        chain.add('session_calls', `SELECT id, feature, session_key, ts_ms, call_cost, max_steps, budget FROM ${chain.ref('limited')} AS calls WHERE is_limited AND (${limitedFeatures})`);
        chain.add('session_cuts', `SELECT id AS cut_id FROM (
             SELECT id, (max_steps >= 0 AND row_number() OVER (${sessionWindow}) > max_steps)
               OR (budget >= 0 AND coalesce(sum(call_cost) OVER (${sessionWindow} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) >= budget) AS cut
             FROM session_calls AS calls SEMI JOIN (
               SELECT feature, session_key FROM session_calls GROUP BY feature, session_key
               HAVING (max(max_steps) >= 0 AND count(*) > max(max_steps)) OR (max(budget) >= 0 AND sum(greatest(coalesce(call_cost, 0), 0)) >= max(budget))
             ) AS reaching ON reaching.feature IS NOT DISTINCT FROM calls.feature AND reaching.session_key = calls.session_key
           ) AS cuts WHERE cut`);
        if (only === 'sessionCuts') return chain.render('SELECT * FROM session_cuts');
      }
      // Only limited calls are cut: the others join on NULL, which the join skips instead of probing ~10M ids.
      chain.add('sessions', `SELECT calls.*, cuts.cut_id IS NOT NULL AS dropped FROM ${chain.ref('limited')} AS calls
         LEFT JOIN ${scratch.sessionCuts ?? 'session_cuts'} AS cuts ON (CASE WHEN calls.is_limited THEN calls.id END) = cuts.cut_id`);
    } else {
      // Per session, its calls sorted by (time, id) with the running sum of their costs; arrays are 1-based. 18.16's
      // lambdas cannot read a column of the row outside their arrays, so each session's caps come as arrays
      // too (one value repeated: the caps are the feature's).
      chain.add('sessions', `SELECT *, is_limited AND session_cut = 1 AS dropped
         FROM ${chain.ref('limited')} AS calls ${dialect.join('left')} (
           SELECT cut_call AS id, cut AS session_cut FROM (
             SELECT arrayMap(call -> tupleElement(call, 2), ordered) AS cut_calls,
               arrayMap((position, spent_before, steps_cap, budget_cap) -> (steps_cap >= 0 AND position > steps_cap) OR (budget_cap >= 0 AND spent_before >= budget_cap),
                 arrayEnumerate(ordered), arrayMap((spent, cost) -> spent - cost, arrayCumSum(costs), costs), steps_caps, budget_caps) AS cuts
             FROM (SELECT ordered, arrayMap(call -> tupleElement(call, 3), ordered) AS costs, steps_caps, budget_caps FROM (
               SELECT arraySort(groupArray((ts_ms, id, ifNull(call_cost, 0)))) AS ordered, groupArray(max_steps) AS steps_caps, groupArray(budget) AS budget_caps
               FROM ${chain.ref('limited')} AS calls WHERE is_limited GROUP BY feature, session_key)))
           ARRAY JOIN cut_calls AS cut_call, cuts AS cut
         ) AS session_cuts USING (id)`);
    }
  }

  const selfHosted = caseChain(plan.selfHosts.map((host) => [features(host.features), yes]), no);
  const blended = (column: string): string => blendedRateSql(keys, column);
  const kept = (column: string, dropped = '0'): string => `CASE WHEN dropped THEN ${dropped} ELSE ${column} END`;
  const values: Record<(typeof replayedColumns)[number], string> = {
    id: 'id', feature: 'feature', user_tier: 'user_tier', user_id: 'user_id', session_key: 'session_key', status: 'status', response_cache: 'response_cache',
    original_key: 'original_key', model_key: 'model_key', route_index: 'route_index', model_tier: modelTierSql(keys, 'model_key', dialect),
    to_cheaper_model: `${blended('model_key')} < ${blended('original_key')}`, dropped: 'dropped',
    touched: `lever_touched OR dropped OR (NOT dropped AND coalesce(${selfHosted}, ${no}))`,
    self_hosted: `NOT dropped AND coalesce(${selfHosted}, ${no})`,
    routed: 'routed', escalated: 'escalated', fine_tuned: 'fine_tuned', prompt_cache_hit: 'prompt_cache_hit', prompt_cache_miss: 'prompt_cache_miss',
    response_lookup: 'response_lookup', response_hit: 'response_hit', truncated: 'truncated',
    output_cut: kept('output_cut_by_cap'), input_cut: kept('input_cut_by_trim'), batched: 'batch_ppm > 0', repriced: 'repriced',
    input_tokens: kept('input_tokens'), cache_read_tokens: kept('cache_read_tokens'), cache_write_5m_tokens: kept('cache_write_5m_tokens'),
    cache_write_1h_tokens: kept('cache_write_1h_tokens'), input_audio_tokens: kept('input_audio_tokens'), output_tokens: kept('output_tokens'),
    reasoning_tokens: kept('reasoning_tokens'), output_audio_tokens: kept('output_audio_tokens'),
    cost: `CASE WHEN dropped THEN ${bigint(0)} WHEN coalesce(${selfHosted}, ${no}) THEN (CASE WHEN response_lookup THEN ${lookupCost} ELSE ${bigint(0)} END) ELSE call_cost END`,
    cost0: kept('call_cost', 'NULL'), stored_cost: 'stored_cost',
  };
  return chain.render(`SELECT ${replayedColumns.map((name) => (values[name] === name ? name : `${dialect.column(values[name])} AS ${name}`)).join(',\n      ')}
    FROM ${chain.ref('sessions')} AS calls`);
}

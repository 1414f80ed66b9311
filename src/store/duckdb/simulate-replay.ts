import { DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { ModelKey } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';
import { simulationSums, type FeatureTrafficProfile, type ReplayQuery, type SimulationGroupRow, type SimulationSum } from '../simulation-replayer.js';
import { blendedRateSql, caseChain, modelTierSql, quote, replayedCallsSql, replayRange, touchableFeatures } from './simulate-replay-sql.js';

/*
 * The what-if replay in DuckDB: JavaScript stages the model keys (the rates are written into the SQL), one
 * query replays every call of the range and sums it by feature, user tier, route rule, model and in total
 * (GROUPING SETS over a few hundred flag rows), a second counts the distinct sessions each lever touched, and
 * with byUser a third sums the cost per user.
 */

/** Creates sim_keys on a connection (temporary, so each replay's connection has its own): the replay joins the stored (provider, model) to its key. */
export async function stageSimulationKeys(connection: DuckDBConnection, keys: readonly ModelKey[]): Promise<void> {
  await connection.run('CREATE OR REPLACE TEMP TABLE sim_keys (provider VARCHAR, model VARCHAR, key INTEGER)');
  if (keys.length === 0) return;
  const appender = await connection.createAppender('sim_keys', 'main', 'temp');
  try {
    const chunk = DuckDBDataChunk.create([VARCHAR, VARCHAR, INTEGER], keys.length);
    chunk.setColumns([keys.map((key) => key.provider), keys.map((key) => key.model), keys.map((key) => key.key)]);
    appender.appendDataChunk(chunk);
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}

// Counts of distinct sessions: the dearest aggregates, so they are taken in a second, narrower pass (which
// reads only the flags of the replay, not its costs) and only per feature, route rule and in total. Per count,
// the condition under which a call makes its session count (made calls, unless said), or null when the
// scenario has no such lever.
function sessionConditions(plan: ReplayQuery['plan']): Partial<Record<SimulationSum, string | null>> {
  const made = 'NOT dropped';
  const when = (present: boolean, condition: string): string | null => (present ? condition : null);
  return {
    sessions_touched: 'touched',
    sessions_cut: when(plan.sessionLimits.length > 0, 'dropped'),
    routed_sessions: when(plan.routes.length > 0, `${made} AND routed`),
    fine_tuned_sessions: when(plan.fineTunes.length > 0, `${made} AND fine_tuned`),
    prompt_cache_sessions: when(plan.promptCaches.length > 0, `${made} AND (prompt_cache_hit OR prompt_cache_miss)`),
    response_cache_sessions: when(plan.responseCaches.length > 0, `${made} AND response_lookup`),
    truncated_sessions: when(plan.outputCaps.length > 0, `${made} AND truncated`),
    trimmed_sessions: when(plan.trims.length > 0, `${made} AND input_cut > 0`),
    batched_sessions: when(plan.priceChange?.batch != null, `${made} AND batched`),
    self_hosted_sessions: when(plan.selfHosts.length > 0, 'self_hosted'),
  };
}

// Per call, the conditions the plain sums filter on, packed into one integer (bit i set when condition i
// holds). The calls are then summed by (finest grouping, model tier, flags) with a dozen plain sums, and each
// count or sum "where …" is taken over those few hundred rows: DuckDB's ~40 filtered aggregates over 10M calls
// cost about three times the plain ones.
function callFlags(plan: ReplayQuery['plan']): { sql: string; is: (name: string) => string } {
  const routes = plan.routes.length > 0;
  const conditions: Record<string, string | null> = {
    dropped: plan.sessionLimits.length > 0 ? 'dropped' : null,
    unpriced: 'cost IS NULL',
    failed: "status IN ('error', 'timeout', 'cancelled')",
    cache_hit: "response_hit OR response_cache = 'hit'",
    cache_lookup: 'response_lookup OR response_cache IS NOT NULL',
    touched: 'touched',
    routed: routes ? 'routed' : null,
    escalated: routes ? 'escalated' : null,
    fine_tuned: plan.fineTunes.length > 0 ? 'fine_tuned' : null,
    prompt_hit: plan.promptCaches.length > 0 ? 'prompt_cache_hit' : null,
    prompt_miss: plan.promptCaches.length > 0 ? 'prompt_cache_miss' : null,
    response_lookup: plan.responseCaches.length > 0 ? 'response_lookup' : null,
    response_hit: plan.responseCaches.length > 0 ? 'response_hit' : null,
    truncated: plan.outputCaps.length > 0 ? 'truncated' : null,
    trimmed: plan.trims.length > 0 ? 'input_cut > 0' : null,
    batched: plan.priceChange?.batch != null ? 'batched' : null,
    repriced: plan.priceChange !== null && (plan.priceChange.allCalls || plan.priceChange.overriddenKeys.length > 0) ? 'repriced' : null,
    self_hosted: plan.selfHosts.length > 0 ? 'self_hosted' : null,
  };
  const present = Object.entries(conditions).filter((entry): entry is [string, string] => entry[1] !== null);
  const bits = new Map(present.map(([name], index) => [name, 2 ** index]));
  // A condition the scenario cannot raise is false on every call. FILTER (WHERE NULL) skips a row: NULL is false here too.
  const is = (name: string): string => (bits.has(name) ? `(flags & ${bits.get(name)}) <> 0` : 'FALSE');
  // CASE takes a NULL condition as false.
  const sql = present.map(([name, condition]) => `CASE WHEN ${condition} THEN ${bits.get(name)} ELSE 0 END`).join(' + ');
  return { sql: `(${sql})::INTEGER`, is };
}

// The plain sums taken per call at the finest grouping, before the filtered sums over the flag rows.
const callMeasures = ['input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens', 'cost', 'stored_cost', 'output_cut', 'input_cut', 'cost0'] as const;

// Each plain sum as SQL over the flag rows (n calls each, callMeasures summed): the sum "where …" over the calls.
function flagSumExpressions(plan: ReplayQuery['plan'], keys: ReplayQuery['keys'], is: (name: string) => string): Partial<Record<SimulationSum, string>> {
  const made = `NOT ${is('dropped')}`;
  // Over a few hundred rows: a condition that is FALSE for every call needs no shortcut.
  const count = (condition: string): string => `coalesce(sum(n) FILTER (WHERE ${condition}), 0)`;
  // Sums of BIGINT (and of HUGEINT) are HUGEINT in DuckDB: exact whatever the number of calls. sum() skips NULLs.
  const total = (measure: string, condition = made): string => `coalesce(sum(${measure}) FILTER (WHERE ${condition}), 0)`;
  const priced = `${made} AND NOT ${is('unpriced')}`;
  // The model's tier and whether a route sent a call to a cheaper model are functions of the model keys, so they
  // are read off the flag rows rather than worked out for every call.
  const tier = (name: string): string => `${modelTierSql(keys, 'model_key')} = '${name}'`;
  const hosts = plan.selfHosts.length > 0;
  return {
    calls: count(made),
    priced_calls: count(priced),
    unpriced_calls: count(`${made} AND ${is('unpriced')}`),
    failed_calls: count(`${made} AND ${is('failed')}`),
    input_tokens: total('input_tokens'),
    cache_read_tokens: total('cache_read_tokens'),
    cache_write_5m_tokens: total('cache_write_5m_tokens'),
    cache_write_1h_tokens: total('cache_write_1h_tokens'),
    output_tokens: total('output_tokens'),
    reasoning_tokens: total('reasoning_tokens'),
    input_audio_tokens: total('input_audio_tokens'),
    output_audio_tokens: total('output_audio_tokens'),
    unpriced_input_tokens: total('input_tokens', `${made} AND ${is('unpriced')}`),
    unpriced_output_tokens: total('output_tokens', `${made} AND ${is('unpriced')}`),
    cost: total('cost', priced),
    stored_cost: 'coalesce(sum(stored_cost), 0)',
    stored_calls: 'coalesce(sum(n), 0)',
    budget_calls: count(`${made} AND ${tier('budget')}`),
    mid_calls: count(`${made} AND ${tier('mid')}`),
    frontier_calls: count(`${made} AND ${tier('frontier')}`),
    unpriced_tier_calls: count(`${made} AND ${tier('unpriced')}`),
    budget_cost: total('cost', `${priced} AND ${tier('budget')}`),
    mid_cost: total('cost', `${priced} AND ${tier('mid')}`),
    frontier_cost: total('cost', `${priced} AND ${tier('frontier')}`),
    response_cache_hits: count(`${made} AND ${is('cache_hit')}`),
    response_cache_lookups: count(`${made} AND ${is('cache_lookup')}`),
    calls_touched: count(is('touched')),
    routed: count(`${made} AND ${is('routed')}`),
    escalated: count(`${made} AND ${is('escalated')}`),
    // Without routes the flag rows are not grouped by the original model.
    weaker: plan.routes.length > 0 ? count(`${made} AND ${is('routed')} AND coalesce(${blendedRateSql(keys, 'model_key')} < ${blendedRateSql(keys, 'original_key')}, FALSE)`) : '0',
    fine_tuned: count(`${made} AND ${is('fine_tuned')}`),
    fine_tuned_stored_cost: total('stored_cost', `${made} AND ${is('fine_tuned')}`),
    fine_tuned_cost: total('cost', `${priced} AND ${is('fine_tuned')}`),
    prompt_cache_hits: count(`${made} AND ${is('prompt_hit')}`),
    prompt_cache_misses: count(`${made} AND ${is('prompt_miss')}`),
    response_lookups: count(`${made} AND ${is('response_lookup')}`),
    response_hits: count(`${made} AND ${is('response_hit')}`),
    truncated: count(`${made} AND ${is('truncated')}`),
    output_cut: plan.outputCaps.length > 0 ? total('output_cut', 'TRUE') : '0',
    input_cut: plan.trims.length > 0 ? total('input_cut', 'TRUE') : '0',
    trimmed: count(`${made} AND ${is('trimmed')}`),
    batched: count(`${made} AND ${is('batched')}`),
    repriced: count(`${made} AND ${is('repriced')}`),
    dropped: count(is('dropped')),
    self_hosted: count(is('self_hosted')),
    self_hosted_tokens: hosts ? `${total('input_tokens', is('self_hosted'))} + ${total('output_tokens', is('self_hosted'))}` : '0',
    self_hosted_stored_cost: total('stored_cost', is('self_hosted')),
    self_hosted_api_cost: hosts ? total('cost0', is('self_hosted')) : '0',
  };
}

// The sums a 'user' row carries (see ReplayQuery.byUser), as SQL over the replayed calls.
const userSums: Array<[SimulationSum, string]> = [
  ['calls', 'count(*) FILTER (WHERE NOT dropped)'],
  ['priced_calls', 'count(*) FILTER (WHERE NOT dropped AND cost IS NOT NULL)'],
  ['unpriced_calls', 'count(*) FILTER (WHERE NOT dropped AND cost IS NULL)'],
  ['cost', 'coalesce(sum(cost) FILTER (WHERE NOT dropped), 0)'],
  ['stored_cost', 'coalesce(sum(stored_cost), 0)'],
  ['stored_calls', 'count(*)'],
];

/** The sums a 'user' row of the replay carries; its other sums are 0. */
export const userRowSums: readonly SimulationSum[] = userSums.map(([name]) => name);

/** Replays the calls of the range (sim_keys staged here), summed by group. */
export async function replayAggregates(connection: DuckDBConnection, query: ReplayQuery): Promise<SimulationGroupRow[]> {
  await stageSimulationKeys(connection, query.keys);
  const sessionsWhere = sessionConditions(query.plan);
  const byRoute = query.plan.routes.length > 0;
  const calls = replayedCallsSql(query.plan, query.keys, query.rates, query.range);
  const groupingColumns = (sets: string[]): string => `GROUPING(feature) AS g_feature,
      ${sets.includes('(user_tier)') ? 'GROUPING(user_tier)' : '1'} AS g_tier, ${byRoute ? 'GROUPING(route_index)' : '1'} AS g_route,
      1 AS g_user, ${sets.includes('(feature, model_key)') ? 'GROUPING(model_key)' : '1'} AS g_model,
      feature, ${sets.includes('(user_tier)') ? 'user_tier' : 'NULL'} AS user_tier, NULL AS user_id,
      ${byRoute ? 'route_index' : 'NULL'} AS route_index, ${sets.includes('(feature, model_key)') ? 'model_key' : 'NULL'} AS model_key`;
  // Each call is aggregated once, at the finest grouping and its flags (a few hundred rows); the grouping sets
  // then roll those up, which costs nothing next to aggregating 10M calls once per set.
  const flags = callFlags(query.plan);
  const flagSums = flagSumExpressions(query.plan, query.keys, flags.is);
  const rolledUp = (sets: string[], names: SimulationSum[]): string => {
    const finest = ['feature', 'user_tier', 'model_key', ...(byRoute ? ['original_key', 'route_index'] : [])];
    const measures = callMeasures.filter((name) => name !== 'cost0' || query.plan.selfHosts.length > 0);
    return `SELECT ${groupingColumns(sets)},
      ${names.map((name) => `${flagSums[name] ?? '0'} AS ${name}`).join(',\n      ')}
    FROM (SELECT ${finest.join(', ')}, flags, count(*) AS n, ${measures.map((name) => `sum(${name}) AS ${name}`).join(', ')}
          FROM (SELECT ${finest.join(', ')}, ${flags.sql} AS flags, ${measures.join(', ')} FROM (${calls}) c)
          GROUP BY ALL)
    GROUP BY GROUPING SETS (${sets.join(', ')})`;
  };
  // Per user, only what the users served at a loss need, in a pass of its own: at the finest grouping, the
  // user multiplied its rows (10M calls → 1M rows of 13 sums) and every sum was then rolled up per user.
  const perUser = `SELECT 1 AS g_feature, 0 AS g_tier, 1 AS g_route, 0 AS g_user, 1 AS g_model,
      NULL AS feature, user_tier, user_id, NULL AS route_index, NULL AS model_key,
      ${userSums.map(([name, sql]) => `${sql} AS ${name}`).join(', ')}
    FROM (${calls}) c GROUP BY user_tier, user_id`;
  const sessionCounts = (names: SimulationSum[]): SessionCountQuery => {
    const present = names.filter((name) => sessionsWhere[name] != null).map((name) => ({ name, where: sessionsWhere[name]! }));
    const routeIndexes = byRoute ? query.plan.routes.map((_, index) => index) : [];
    const features = touchableFeatures(query.plan);
    const slots = features === null ? Infinity : (1 + routeIndexes.length + features.length) * present.length;
    return features !== null && slots <= 127 ? packedSessionCounts(calls, names, present, routeIndexes, features) : regroupedSessionCounts(calls, names, present, routeIndexes);
  };
  const plain = simulationSums.filter((name) => !(name in sessionsWhere));
  const distinct = simulationSums.filter((name) => name in sessionsWhere);
  const mainSets = ['(feature)', '(user_tier)', '()', '(feature, model_key)', ...(byRoute ? ['(route_index)'] : [])];
  const main = (await connection.runAndReadAll(rolledUp(mainSets, plain))).getRowObjects().map(groupRow);
  if (query.byUser) main.push(...(await connection.runAndReadAll(perUser)).getRowObjects().map(groupRow));
  const counts = distinct.some((name) => sessionsWhere[name] != null) ? sessionCounts(distinct) : null;
  const sessions = counts ? (await connection.runAndReadAll(counts.sql)).getRowObjects().flatMap(counts.rows) : [];
  const key = (row: SimulationGroupRow): string => JSON.stringify([row.grouping, row.feature, row.userTier, row.userId, row.routeIndex, row.modelKey]);
  const sessionRows = new Map(sessions.map((row) => [key(row), row]));
  for (const row of main) {
    const counted = sessionRows.get(key(row));
    for (const name of distinct) row.sums[name] = counted?.sums[name] ?? 0n;
  }
  // The route grouping's row of the calls no rule matched is no route's: leave it out.
  return main.filter((row) => row.grouping !== 'route' || row.routeIndex !== null);
}

/** The SQL that counts distinct sessions, and how each of its rows becomes group rows of session counts. */
interface SessionCountQuery {
  sql: string;
  rows: (row: Record<string, unknown>) => SimulationGroupRow[];
}

type SessionCondition = { name: SimulationSum; where: string };

const sessionRow = (grouping: SimulationGroupRow['grouping'], feature: string | null, routeIndex: number | null, sums: Record<SimulationSum, bigint>): SimulationGroupRow => ({
  grouping,
  feature,
  userTier: null,
  userId: null,
  routeIndex,
  modelKey: null,
  sums,
});

// Every session condition implies a touched call, so sessions are counted over touched calls only.

/**
 * Distinct sessions when the calls a plan can touch belong to a few known features: per session, one integer
 * whose bits say which counts it enters in total, per route rule and per feature (a flag per count in each
 * slot), so the calls are grouped once, by session, with one bit_or.
 */
function packedSessionCounts(calls: string, names: SimulationSum[], present: SessionCondition[], routeIndexes: number[], features: string[]): SessionCountQuery {
  const width = present.length;
  const type = (1 + routeIndexes.length + features.length) * width <= 63 ? 'BIGINT' : 'HUGEINT';
  const flags = present.map((condition, bit) => `CASE WHEN ${condition.where} THEN ${2 ** bit} ELSE 0 END`).join(' + ');
  const featureSlot = caseChain(features.map((feature, index) => [`feature = ${quote(feature)}`, String(1 + routeIndexes.length + index)]), 'NULL');
  const routeSlot = routeIndexes.length > 0 ? ` | coalesce(flags << (${width} * (1 + route_index)), 0)` : '';
  const counted = (slot: number): string[] => present.map((condition, bit) => `count(*) FILTER (WHERE (slots >> ${slot * width + bit}) & 1 = 1) AS s${slot}_${condition.name}`);
  const slotCount = 1 + routeIndexes.length + features.length;
  const sql = `SELECT ${Array.from({ length: slotCount }, (_, slot) => counted(slot)).flat().join(', ')}
    FROM (SELECT session_key, bit_or(flags | coalesce(flags << (${width} * ${featureSlot}), 0)${routeSlot}) AS slots
          FROM (SELECT session_key, feature, route_index, (${flags})::${type} AS flags FROM (${calls}) c WHERE session_key IS NOT NULL AND touched)
          GROUP BY session_key)`;
  const sumsOf = (row: Record<string, unknown>, slot: number): Record<SimulationSum, bigint> =>
    Object.fromEntries(names.map((name) => [name, present.some((condition) => condition.name === name) ? BigInt(row[`s${slot}_${name}`] as bigint) : 0n])) as Record<SimulationSum, bigint>;
  const rows = (row: Record<string, unknown>): SimulationGroupRow[] => [
    sessionRow('total', null, null, sumsOf(row, 0)),
    ...routeIndexes.map((route) => sessionRow('route', null, route, sumsOf(row, 1 + route))),
    ...features.map((feature, index) => sessionRow('feature', feature, null, sumsOf(row, 1 + routeIndexes.length + index))),
  ];
  return { sql, rows };
}

/**
 * Distinct sessions when any feature's calls may be touched: one row per (feature, session) with a flag per
 * count and route rule, counted per feature; then one row per session across features, counted in total and
 * per route rule. Two plain groupings instead of a count(DISTINCT) per count and grouping set, each of which
 * kept its own hash table of session keys.
 */
function regroupedSessionCounts(calls: string, names: SimulationSum[], present: SessionCondition[], routeIndexes: number[]): SessionCountQuery {
  const column = (name: SimulationSum, route: number | null): string => (route === null ? name : `${name}_r${route}`);
  const columns = present.flatMap(({ name }) => [column(name, null), ...routeIndexes.map((route) => column(name, route))]);
  const flags = present.flatMap(({ name, where }) => [
    `bool_or(${where}) AS ${column(name, null)}`,
    ...routeIndexes.map((route) => `bool_or(route_index = ${route} AND (${where})) AS ${column(name, route)}`),
  ]);
  const counted = (names: string[]): string => names.map((name) => `count(*) FILTER (WHERE ${name}) AS ${name}`).join(', ');
  const sql = `WITH feature_sessions AS MATERIALIZED (
      SELECT feature, session_key, ${flags.join(', ')}
      FROM (${calls}) c WHERE session_key IS NOT NULL AND touched GROUP BY feature, session_key
    ), sessions AS (
      SELECT session_key, ${columns.map((name) => `bool_or(${name}) AS ${name}`).join(', ')} FROM feature_sessions GROUP BY session_key
    )
    SELECT FALSE AS across_features, feature, ${counted(present.map(({ name }) => name))} FROM feature_sessions GROUP BY feature
    UNION ALL BY NAME
    SELECT TRUE AS across_features, NULL AS feature, ${counted(columns)} FROM sessions`;
  const sumsOf = (row: Record<string, unknown>, route: number | null): Record<SimulationSum, bigint> =>
    Object.fromEntries(
      names.map((name) => [name, present.some((condition) => condition.name === name) ? BigInt((row[column(name, route)] as bigint | number | null) ?? 0) : 0n]),
    ) as Record<SimulationSum, bigint>;
  const rows = (row: Record<string, unknown>): SimulationGroupRow[] =>
    row.across_features === true
      ? [sessionRow('total', null, null, sumsOf(row, null)), ...routeIndexes.map((route) => sessionRow('route', null, route, sumsOf(row, route)))]
      : [sessionRow('feature', (row.feature as string | null) ?? null, null, sumsOf(row, null))];
  return { sql, rows };
}

function groupRow(row: Record<string, unknown>): SimulationGroupRow {
  // GROUPING() is 0 for a column the row is grouped by (DuckDB hands it back as a BIGINT).
  const by = (column: unknown): boolean => Number(column) === 0;
  const grouping: SimulationGroupRow['grouping'] = by(row.g_model)
    ? 'model'
    : by(row.g_feature)
      ? 'feature'
      : by(row.g_route)
        ? 'route'
        : by(row.g_user)
          ? 'user'
          : by(row.g_tier)
            ? 'user_tier'
            : 'total';
  return {
    grouping,
    feature: (row.feature as string | null) ?? null,
    userTier: (row.user_tier as string | null) ?? null,
    userId: (row.user_id as string | null) ?? null,
    routeIndex: row.route_index === null || row.route_index === undefined ? null : Number(row.route_index),
    modelKey: row.model_key === null || row.model_key === undefined ? null : Number(row.model_key),
    sums: Object.fromEntries(simulationSums.map((name) => [name, row[name] === undefined ? 0n : BigInt(row[name] as bigint | number)])) as Record<SimulationSum, bigint>,
  };
}

/** Per feature: its most used model, median input, 90th percentile output, 95th percentile calls per session. */
export async function featureProfiles(connection: DuckDBConnection, range: TimeRange): Promise<FeatureTrafficProfile[]> {
  const result = await connection.runAndReadAll(`WITH calls AS (SELECT * FROM usage_events e WHERE ${replayRange(range)} AND feature IS NOT NULL),
    models AS (SELECT feature, provider, model, row_number() OVER (PARTITION BY feature ORDER BY count(*) DESC, model) AS position FROM calls GROUP BY feature, provider, model),
    sessions AS (SELECT feature, quantile_disc(calls, 0.95) AS p95 FROM (SELECT feature, count(*) AS calls FROM calls WHERE coalesce(session_id, task_id) IS NOT NULL GROUP BY feature, coalesce(session_id, task_id)) GROUP BY feature),
    sizes AS (SELECT feature, quantile_disc(input_tokens, 0.5) AS median_input, quantile_disc(output_tokens - output_audio_tokens, 0.9) AS p90_output FROM calls WHERE status = 'ok' GROUP BY feature)
    SELECT m.feature, m.provider, m.model, coalesce(z.median_input, 0) AS median_input, coalesce(z.p90_output, 0) AS p90_output, s.p95
    FROM models m LEFT JOIN sizes z USING (feature) LEFT JOIN sessions s USING (feature) WHERE m.position = 1 ORDER BY m.feature`);
  return result.getRowObjects().map((row) => ({
    feature: row.feature as string,
    provider: (row.provider as string | null) ?? null,
    model: row.model as string,
    medianInputTokens: Number(row.median_input),
    p90OutputTokens: Number(row.p90_output),
    p95SessionCalls: row.p95 === null || row.p95 === undefined ? null : Number(row.p95),
  }));
}

import type { ModelKey, ReplayPlan } from '../../core/simulate/replay-plan.js';
import { simulationSums, type ReplayQuery, type SimulationGroupRow, type SimulationSum } from '../simulation-replayer.js';
import { groupedCallsSql, type SessionWords } from './simulate-replay-grouped.js';
import { replayedCallsSql, replayScratchSql, touchableFeatures, type ReplayScratch } from './simulate-replay-queries.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * How the replayed calls (simulate-replay-queries.ts) are summed, written once for every backend. Per call,
 * the ~18 conditions the sums filter on are packed into one integer; the calls are summed by (feature, user
 * tier, model, [original model, route rule], flags) with a dozen plain exact sums — a few hundred rows — and
 * JavaScript rolls those rows up per feature, user tier, route rule, (feature, model) and in total, taking each
 * "sum where …" from the flags. ClickHouse 18.16 has no GROUPING SETS; in DuckDB ~40 filtered aggregates over
 * 10M calls cost about three times the plain ones. Distinct sessions and the per-user sums are passes of their own.
 * A backend may stage the replayed calls once, one narrow row per call, for the three passes to read instead of
 * running the lever chain three times, or sum them once into the flag rows and one row per (user, session)
 * (ReplayStaging: DuckDB does the latter).
 */

/** Runs a query and hands back its rows as objects (integers as bigint, number or decimal text; booleans as boolean or 0/1). */
export type SqlRows = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** A number or text read back from either backend as an exact integer; null is 0. */
export function bigintOf(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return BigInt(String(value));
}

const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

// Per call, the conditions the plain sums filter on, or null when the scenario cannot raise one.
function flagConditions(plan: ReplayPlan): Array<[string, string]> {
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
  return Object.entries(conditions).filter((entry): entry is [string, string] => entry[1] !== null);
}

// The plain sums taken per flag row, before the filtered sums are read off the flags.
const callMeasures = ['input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens', 'cost', 'stored_cost', 'output_cut', 'input_cut', 'cost0'] as const;
type CallMeasure = (typeof callMeasures)[number];

// The measures a plan's sums read (flagSums): the API cost of self-hosted calls, the output an output cap cuts and
// the input a trim cuts only with those levers; the others are 0 and need no column.
const planMeasures = (plan: ReplayPlan): CallMeasure[] =>
  callMeasures.filter((name) => (name === 'cost0' ? plan.selfHosts.length > 0 : name === 'output_cut' ? plan.outputCaps.length > 0 : name === 'input_cut' ? plan.trims.length > 0 : true));

/** A call's flags, one integer of bits (one per condition of flagConditions), as SQL over the replayed calls; CASE takes a NULL condition as false. */
const flagsSql = (plan: ReplayPlan): string =>
  flagConditions(plan).map(([, condition], bit) => `CASE WHEN ${condition} THEN ${2 ** bit} ELSE 0 END`).join(' + ');

/** One row of the flag pass: the calls of one finest group with the same flags, and their plain sums. */
interface FlagRow {
  feature: string | null;
  userTier: string | null;
  modelKey: number | null;
  originalKey: number | null;
  routeIndex: number | null;
  flags: number;
  calls: bigint;
  sums: Record<CallMeasure, bigint>;
}

// The finest grouping of the flag rows, flags aside.
const finestFlagGrouping = (plan: ReplayPlan): string[] => ['feature', 'user_tier', 'model_key', ...(plan.routes.length > 0 ? ['original_key', 'route_index'] : [])];

/** The SQL of the flag pass over the replayed calls (or over staged ones, whose flags are worked out), and how each of its rows reads. */
function flagRowsQuery(calls: string, plan: ReplayPlan, dialect: SqlDialect, staged: boolean) {
  const byRoute = plan.routes.length > 0;
  const conditions = flagConditions(plan);
  const flags = flagsSql(plan);
  const finest = finestFlagGrouping(plan);
  const measures = planMeasures(plan);
  const sums = measures.map((name) => `${dialect.exactText(dialect.exactSum(name))} AS sum_${name}`).join(', ');
  const sql = staged
    ? `SELECT ${finest.join(', ')}, flags, ${dialect.exactText(dialect.exactSum('calls_in_row'))} AS calls_in_row, ${sums}
    FROM (${calls}) AS staged GROUP BY ${finest.join(', ')}, flags`
    : `SELECT ${finest.join(', ')}, flags, count(*) AS calls_in_row, ${sums}
    FROM (SELECT ${finest.join(', ')}, ${flags} AS flags, ${measures.join(', ')} FROM (${calls}) AS replayed) AS flagged
    GROUP BY ${finest.join(', ')}, flags`;
  const read = (row: Record<string, unknown>): FlagRow => ({
    feature: textOrNull(row.feature),
    userTier: textOrNull(row.user_tier),
    modelKey: numberOrNull(row.model_key),
    originalKey: byRoute ? numberOrNull(row.original_key) : null,
    routeIndex: byRoute ? numberOrNull(row.route_index) : null,
    flags: Number(row.flags),
    calls: bigintOf(row.calls_in_row),
    sums: Object.fromEntries(callMeasures.map((name) => [name, bigintOf(row[`sum_${name}`])])) as Record<CallMeasure, bigint>,
  });
  const bits = new Map(conditions.map(([name], bit) => [name, 2 ** bit]));
  // A condition the scenario cannot raise is false on every call.
  const is = (name: string) => (row: FlagRow): boolean => bits.has(name) && (row.flags & bits.get(name)!) !== 0;
  return { sql, read, is };
}

/** Each plain sum as a function of one flag row: the row's calls or sum where the condition holds, else 0. */
function flagSums(plan: ReplayPlan, keys: readonly ModelKey[], is: (name: string) => (row: FlagRow) => boolean): Partial<Record<SimulationSum, (row: FlagRow) => bigint>> {
  type Condition = (row: FlagRow) => boolean;
  const not = (condition: Condition): Condition => (row) => !condition(row);
  const all = (...conditions: Condition[]): Condition => (row) => conditions.every((condition) => condition(row));
  const made = not(is('dropped'));
  const priced = all(made, not(is('unpriced')));
  const count = (condition: Condition) => (row: FlagRow): bigint => (condition(row) ? row.calls : 0n);
  const total = (measure: CallMeasure, condition: Condition = made) => (row: FlagRow): bigint => (condition(row) ? row.sums[measure] : 0n);
  const tiers = new Map(keys.map((key) => [key.key, key.tier as string]));
  const tier = (name: string): Condition => (row) => (row.modelKey === null ? undefined : tiers.get(row.modelKey)) === name || (name === 'unpriced' && (row.modelKey === null || !tiers.has(row.modelKey)));
  const blended = new Map(keys.filter((key) => key.blendedRate !== null).map((key) => [key.key, key.blendedRate!]));
  const rateOf = (key: number | null): number | undefined => (key === null ? undefined : blended.get(key));
  const toCheaper: Condition = (row) => {
    const [to, from] = [rateOf(row.modelKey), rateOf(row.originalKey)];
    return to !== undefined && from !== undefined && to < from;
  };
  const hosts = plan.selfHosts.length > 0;
  const zero = (): bigint => 0n;
  const plus = (a: (row: FlagRow) => bigint, b: (row: FlagRow) => bigint) => (row: FlagRow): bigint => a(row) + b(row);
  const always: Condition = () => true;
  return {
    calls: count(made),
    priced_calls: count(priced),
    unpriced_calls: count(all(made, is('unpriced'))),
    failed_calls: count(all(made, is('failed'))),
    input_tokens: total('input_tokens'),
    cache_read_tokens: total('cache_read_tokens'),
    cache_write_5m_tokens: total('cache_write_5m_tokens'),
    cache_write_1h_tokens: total('cache_write_1h_tokens'),
    output_tokens: total('output_tokens'),
    reasoning_tokens: total('reasoning_tokens'),
    input_audio_tokens: total('input_audio_tokens'),
    output_audio_tokens: total('output_audio_tokens'),
    unpriced_input_tokens: total('input_tokens', all(made, is('unpriced'))),
    unpriced_output_tokens: total('output_tokens', all(made, is('unpriced'))),
    cost: total('cost', priced),
    stored_cost: total('stored_cost', always),
    stored_calls: count(always),
    budget_calls: count(all(made, tier('budget'))),
    mid_calls: count(all(made, tier('mid'))),
    frontier_calls: count(all(made, tier('frontier'))),
    unpriced_tier_calls: count(all(made, tier('unpriced'))),
    budget_cost: total('cost', all(priced, tier('budget'))),
    mid_cost: total('cost', all(priced, tier('mid'))),
    frontier_cost: total('cost', all(priced, tier('frontier'))),
    response_cache_hits: count(all(made, is('cache_hit'))),
    response_cache_lookups: count(all(made, is('cache_lookup'))),
    calls_touched: count(is('touched')),
    routed: count(all(made, is('routed'))),
    escalated: count(all(made, is('escalated'))),
    // Without routes the flag rows are not grouped by the original model.
    weaker: plan.routes.length > 0 ? count(all(made, is('routed'), toCheaper)) : zero,
    fine_tuned: count(all(made, is('fine_tuned'))),
    fine_tuned_stored_cost: total('stored_cost', all(made, is('fine_tuned'))),
    fine_tuned_cost: total('cost', all(priced, is('fine_tuned'))),
    prompt_cache_hits: count(all(made, is('prompt_hit'))),
    prompt_cache_misses: count(all(made, is('prompt_miss'))),
    response_lookups: count(all(made, is('response_lookup'))),
    response_hits: count(all(made, is('response_hit'))),
    truncated: count(all(made, is('truncated'))),
    output_cut: plan.outputCaps.length > 0 ? total('output_cut', always) : zero,
    input_cut: plan.trims.length > 0 ? total('input_cut', always) : zero,
    trimmed: count(all(made, is('trimmed'))),
    batched: count(all(made, is('batched'))),
    repriced: count(all(made, is('repriced'))),
    dropped: count(is('dropped')),
    self_hosted: count(is('self_hosted')),
    self_hosted_tokens: hosts ? plus(total('input_tokens', is('self_hosted')), total('output_tokens', is('self_hosted'))) : zero,
    self_hosted_stored_cost: total('stored_cost', is('self_hosted')),
    self_hosted_api_cost: hosts ? total('cost0', is('self_hosted')) : zero,
  };
}

/** The identity of a group row, to find the same group in another pass. */
export const groupKey = (row: Pick<SimulationGroupRow, 'grouping' | 'feature' | 'userTier' | 'userId' | 'routeIndex' | 'modelKey'>): string =>
  JSON.stringify([row.grouping, row.feature, row.userTier, row.userId, row.routeIndex, row.modelKey]);

// Every sum at 0, copied rather than built for each row: a replay per user has ~50,000 rows of ~50 sums.
const zeroSums = Object.freeze(Object.fromEntries(simulationSums.map((name) => [name, 0n])) as Record<SimulationSum, bigint>);
const emptySums = (): Record<SimulationSum, bigint> => ({ ...zeroSums });

/** Rolls the flag rows up per feature, user tier, (feature, model), route rule and in total. */
function rollUp(rows: readonly FlagRow[], sums: Partial<Record<SimulationSum, (row: FlagRow) => bigint>>, byRoute: boolean): SimulationGroupRow[] {
  const groups = new Map<string, SimulationGroupRow>();
  const add = (group: Omit<SimulationGroupRow, 'sums'>, row: FlagRow | null): void => {
    const key = groupKey(group);
    let target = groups.get(key);
    if (!target) groups.set(key, (target = { ...group, sums: emptySums() }));
    if (row === null) return;
    for (const [name, value] of Object.entries(sums) as Array<[SimulationSum, (row: FlagRow) => bigint]>) target.sums[name] += value(row);
  };
  const none = { feature: null, userTier: null, userId: null, routeIndex: null, modelKey: null };
  // The total is there even when no call is.
  add({ grouping: 'total', ...none }, null);
  for (const row of rows) {
    add({ grouping: 'total', ...none }, row);
    add({ grouping: 'feature', ...none, feature: row.feature }, row);
    add({ grouping: 'user_tier', ...none, userTier: row.userTier }, row);
    add({ grouping: 'model', ...none, feature: row.feature, modelKey: row.modelKey }, row);
    // The calls no rule matched are no route's.
    if (byRoute && row.routeIndex !== null) add({ grouping: 'route', ...none, routeIndex: row.routeIndex }, row);
  }
  return [...groups.values()];
}

// The sums a 'user' row carries (see ReplayQuery.byUser), as SQL over the replayed calls.
function userSumsSql(dialect: SqlDialect): Array<[SimulationSum, string]> {
  const exact = (expression: string): string => dialect.exactText(dialect.exactSum(expression));
  return [
    ['calls', dialect.countIf('NOT dropped')],
    ['priced_calls', dialect.countIf('NOT dropped AND cost IS NOT NULL')],
    ['unpriced_calls', dialect.countIf('NOT dropped AND cost IS NULL')],
    ['cost', exact('CASE WHEN dropped THEN NULL ELSE cost END')],
    ['stored_cost', exact('stored_cost')],
    ['stored_calls', 'count(*)'],
  ];
}

// The same sums over staged calls, each row standing for `counted` calls (stagedCallsSql).
function stagedUserSumsSql(dialect: SqlDialect, counted: string): Array<[SimulationSum, string]> {
  const exact = (expression: string): string => dialect.exactText(dialect.exactSum(expression));
  const callsWhere = (condition: string): string => exact(`CASE WHEN ${condition} THEN ${counted} ELSE 0 END`);
  return [
    ['calls', callsWhere('NOT dropped')],
    ['priced_calls', callsWhere('NOT dropped AND NOT unpriced')],
    ['unpriced_calls', callsWhere('NOT dropped AND unpriced')],
    ['cost', exact('CASE WHEN dropped THEN NULL ELSE cost END')],
    ['stored_cost', exact('stored_cost')],
    ['stored_calls', exact(counted)],
  ];
}

/** The sums a 'user' row of the replay carries; its other sums are 0. */
export const userRowSums: readonly SimulationSum[] = ['calls', 'priced_calls', 'unpriced_calls', 'cost', 'stored_cost', 'stored_calls'];

/** A count of distinct sessions and the condition under which a call makes its session count. */
export type SessionCondition = { name: SimulationSum; where: string };

// Counts of distinct sessions, per count the condition under which a call makes its session count (made
// calls, unless said), or null when the scenario has no such lever. Every one implies a touched call.
function sessionConditions(plan: ReplayPlan): Partial<Record<SimulationSum, string | null>> {
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

/** SQL that counts distinct sessions, and how each of its rows becomes group rows of session counts. */
export interface SessionCountQuery {
  sql: string;
  rows: (row: Record<string, unknown>) => SimulationGroupRow[];
}

/** A group row of session counts (only the counts named are set). */
export function sessionRow(grouping: SimulationGroupRow['grouping'], feature: string | null, routeIndex: number | null, sums: Partial<Record<SimulationSum, bigint>>): SimulationGroupRow {
  return { grouping, feature, userTier: null, userId: null, routeIndex, modelKey: null, sums: { ...emptySums(), ...sums } };
}

/**
 * Distinct sessions: one row per (feature, session) with a flag per count and route rule, counted per feature;
 * then one row per session across features, counted in total and per route rule. Two plain groupings instead
 * of a count(DISTINCT) per count and grouping set, each of which kept its own hash table of session keys.
 * DuckDB reads the per-(feature, session) rows once (a materialized CTE); ClickHouse 18.16 runs two queries.
 */
function regroupedSessionCounts(calls: string, present: SessionCondition[], routeIndexes: number[], dialect: SqlDialect): SessionCountQuery[] {
  const column = (name: SimulationSum, route: number | null): string => (route === null ? name : `${name}_r${route}`);
  const routeColumns = new Set(present.flatMap(({ name }) => routeIndexes.map((route) => column(name, route))));
  const columns = present.flatMap(({ name }) => [column(name, null), ...routeIndexes.map((route) => column(name, route))]);
  const flag = (condition: string): string => `max(CASE WHEN ${condition} THEN 1 ELSE 0 END)`;
  const flags = present.flatMap(({ name, where }) => [
    `${flag(where)} AS f_${column(name, null)}`,
    ...routeIndexes.map((route) => `${flag(`route_index = ${route} AND (${where})`)} AS f_${column(name, route)}`),
  ]);
  const featureSessions = `SELECT feature, session_key, ${flags.join(', ')}
      FROM (${calls}) AS replayed WHERE session_key IS NOT NULL AND touched GROUP BY feature, session_key`;
  const sessions = (from: string): string => `SELECT session_key, ${columns.map((name) => `max(f_${name}) AS a_${name}`).join(', ')} FROM ${from} AS feature_sessions GROUP BY session_key`;
  // Per feature only the counts without a route rule; the others are 0, so both halves have the same columns.
  const perFeature = (from: string): string =>
    `SELECT ${dialect.boolean(false)} AS across_features, feature, ${columns.map((name) => (routeColumns.has(name) ? `0 AS ${name}` : `sum(f_${name}) AS ${name}`)).join(', ')}
     FROM ${from} AS feature_sessions GROUP BY feature`;
  const across = (from: string): string =>
    `SELECT ${dialect.boolean(true)} AS across_features, ${dialect.nullableString(null)} AS feature, ${columns.map((name) => `sum(a_${name}) AS ${name}`).join(', ')} FROM (${sessions(from)}) AS sessions`;
  const sumsOf = (row: Record<string, unknown>, route: number | null): Partial<Record<SimulationSum, bigint>> =>
    Object.fromEntries(present.map(({ name }) => [name, bigintOf(row[column(name, route)])]));
  const rows = (row: Record<string, unknown>): SimulationGroupRow[] =>
    bigintOf(row.across_features) === 1n
      ? [sessionRow('total', null, null, sumsOf(row, null)), ...routeIndexes.map((route) => sessionRow('route', null, route, sumsOf(row, route)))]
      : [sessionRow('feature', textOrNull(row.feature), null, sumsOf(row, null))];
  if (dialect.namedRelations) {
    return [{ sql: `WITH feature_sessions AS MATERIALIZED (${featureSessions})\n    ${perFeature('feature_sessions')}\n    UNION ALL\n    ${across('feature_sessions')}`, rows }];
  }
  return [
    { sql: perFeature(`(${featureSessions})`), rows },
    { sql: across(`(${featureSessions})`), rows },
  ];
}

/** A backend's own, faster way to count sessions for some plans; null to use the shared one. */
export type FastSessionCounts = (calls: string, present: SessionCondition[], routeIndexes: number[], features: string[] | null) => SessionCountQuery | null;

/**
 * How the passes read the replayed calls: each replays them itself (null: the lever chain runs once per pass); they
 * are replayed once into a scratch table, one narrow row per call, that the three passes read ('calls'); or they
 * are replayed once and summed by GROUPING SETS into a scratch table of the flag rows and one row per (user,
 * session), that the passes sum again ('grouped', simulate-replay-grouped.ts: with a backend's SessionWordsOf, else
 * as 'calls').
 */
export type ReplayStaging = 'calls' | 'grouped' | null;

/** A backend's session counts by words of bits for a plan's counts, route rules and touchable features; null where they do not fit. */
export type SessionWordsOf = (present: SessionCondition[], routeIndexes: number[], features: string[] | null) => SessionWords | null;

/** The relation each pass reads: the replayed calls, or what was staged of them. */
interface PassInputs {
  flags: string;
  users: string;
  sessions: string;
  /** Set when the passes read staged rows: each stands for calls_in_row calls and carries its flags. */
  staged: boolean;
  /** Set when they read grouped rows: the per-user sums and the session counts are then queries of their own. */
  grouped?: { userSql: string | null; sessionCounts: SessionCountQuery };
}

/** The counts of distinct sessions a plan can raise, each with the condition a call makes its session count under. */
function presentSessionConditions(plan: ReplayPlan): SessionCondition[] {
  return (Object.entries(sessionConditions(plan)) as Array<[SimulationSum, string | null]>)
    .filter((entry): entry is [SimulationSum, string] => entry[1] !== null)
    .map(([name, where]) => ({ name, where }));
}

const routeIndexesOf = (plan: ReplayPlan): number[] => plan.routes.map((_, index) => index);

/** Replays the calls of a range under a plan and sums them by group: what SimulationReplayer.replay answers, on any backend. */
export async function replayGroups(
  rows: SqlRows,
  query: ReplayQuery,
  dialect: SqlDialect,
  fastSessionCounts?: FastSessionCounts,
  staging: ReplayStaging = null,
  sessionWords?: SessionWordsOf,
): Promise<SimulationGroupRow[]> {
  // The ordered steps (a TTL's buckets, the calls session limits cut) are worked out once into scratch tables,
  // not once for each of the passes below: the replay's calls are read two or three times.
  const staged = replayScratchSql(query.plan, query.keys, query.rates, query.range, dialect, { ttlEdges: 'replay_ttl_edges', sessionCuts: 'replay_session_cuts' });
  const scratch: ReplayScratch = { ttlEdges: null, sessionCuts: null };
  const callsTable = 'replay_staged_calls';
  const words = staging === 'grouped' ? (sessionWords?.(presentSessionConditions(query.plan), routeIndexesOf(query.plan), touchableFeatures(query.plan)) ?? null) : null;
  try {
    for (const step of staged) {
      await rows(dialect.dropScratchTable(step.table));
      await rows(dialect.createScratchTable(step.table, step.select));
      scratch[step.step] = step.table;
    }
    const calls = replayedCallsSql(query.plan, query.keys, query.rates, query.range, dialect, scratch);
    if (staging === null) return await replayStagedGroups(rows, query, dialect, { flags: calls, users: calls, sessions: calls, staged: false }, fastSessionCounts);
    await rows(dialect.dropScratchTable(callsTable));
    if (words !== null) {
      const columns = { finest: finestFlagGrouping(query.plan), flags: flagsSql(query.plan), measures: planMeasures(query.plan) };
      const grouped = groupedCallsSql(calls, columns, query, dialect, words);
      await rows(dialect.createScratchTable(callsTable, grouped.select));
      const passes = grouped.passes(callsTable);
      // The per-user sums and the session counts read the grouped rows through queries of their own (passes).
      return await replayStagedGroups(rows, query, dialect, { flags: passes.flagRows, users: '', sessions: '', staged: true, grouped: passes });
    }
    const stagedCalls = stagedCallsSql(calls, query, dialect);
    await rows(dialect.createScratchTable(callsTable, stagedCalls.select));
    return await replayStagedGroups(rows, query, dialect, stagedCalls.read(callsTable), fastSessionCounts);
  } finally {
    for (const step of staged) await rows(dialect.dropScratchTable(step.table));
    if (staging !== null) await rows(dialect.dropScratchTable(callsTable));
  }
}

/**
 * The replayed calls as the passes need them, to be held in a scratch table: the keys they group by, the flag
 * pass's flags and the measures, one row per call. `read` gives the table as each pass reads it: the conditions
 * the per-user sums and the session counts filter on are read back from the flags, and `calls_in_row` (1)
 * counts the calls a row stands for.
 */
function stagedCallsSql(calls: string, query: ReplayQuery, dialect: SqlDialect): { select: string; read: (table: string) => PassInputs } {
  const plan = query.plan;
  const byRoute = plan.routes.length > 0;
  const conditions = flagConditions(plan);
  const keys = [...finestFlagGrouping(plan), 'session_key', ...(query.byUser ? ['user_id'] : [])];
  const select = `SELECT ${keys.join(', ')}, ${flagsSql(plan)} AS flags, ${planMeasures(plan).join(', ')} FROM (${calls}) AS replayed`;
  // The passes' conditions by the replayed column they read (the session counts', the per-user sums').
  const bits = new Map(conditions.map(([name], bit) => [name, 2 ** bit]));
  const columns: Array<[string, string]> = [
    ['dropped', 'dropped'], ['unpriced', 'unpriced'], ['touched', 'touched'], ['routed', 'routed'], ['fine_tuned', 'fine_tuned'],
    ['prompt_cache_hit', 'prompt_hit'], ['prompt_cache_miss', 'prompt_miss'], ['response_lookup', 'response_lookup'], ['truncated', 'truncated'],
    ['batched', 'batched'], ['self_hosted', 'self_hosted'],
  ];
  const bitOf = (name: string): string => {
    const bit = bits.get(name);
    return bit === undefined ? dialect.boolean(false) : `(${dialect.integerDivide('flags', String(bit))}) % 2 = 1`;
  };
  const read = (table: string): PassInputs => {
    const view = `SELECT *, 1 AS calls_in_row, ${byRoute ? '' : `${dialect.nullInteger} AS route_index, `}${columns.map(([column, flag]) => `${bitOf(flag)} AS ${column}`).join(', ')} FROM ${table}`;
    return { flags: view, users: view, sessions: view, staged: true };
  };
  return { select, read };
}

async function replayStagedGroups(rows: SqlRows, query: ReplayQuery, dialect: SqlDialect, inputs: PassInputs, fastSessionCounts?: FastSessionCounts): Promise<SimulationGroupRow[]> {
  const byRoute = query.plan.routes.length > 0;
  const flagPass = flagRowsQuery(inputs.flags, query.plan, dialect, inputs.staged);
  // Per user, only what the users served at a loss need, in a pass of its own: at the finest grouping, the
  // user would multiply its rows (10M calls → 1M rows of 13 sums).
  const userSums = inputs.staged ? stagedUserSumsSql(dialect, 'calls_in_row') : userSumsSql(dialect);
  const perUser = inputs.grouped?.userSql ?? `SELECT user_tier, user_id, ${userSums.map(([name, sql]) => `${sql} AS user_${name}`).join(', ')} FROM (${inputs.users}) AS replayed GROUP BY user_tier, user_id`;
  const conditions = sessionConditions(query.plan);
  const present = presentSessionConditions(query.plan);
  const routeIndexes = routeIndexesOf(query.plan);
  const fast = inputs.grouped ? inputs.grouped.sessionCounts : (fastSessionCounts?.(inputs.sessions, present, routeIndexes, touchableFeatures(query.plan)) ?? null);
  const sessionQueries = fast ? [fast] : regroupedSessionCounts(inputs.sessions, present, routeIndexes, dialect);
  const statements = [flagPass.sql, ...(query.byUser ? [perUser] : []), ...sessionQueries.map((sessionQuery) => sessionQuery.sql)];
  const results: Array<Array<Record<string, unknown>>> = [];
  for (const sql of statements) results.push(await rows(sql));

  const main = rollUp(results.shift()!.map(flagPass.read), flagSums(query.plan, query.keys, flagPass.is), byRoute);
  if (query.byUser) {
    const columns = userSums.map(([name]) => [name, `user_${name}`] as const);
    for (const row of results.shift()!) {
      const sums = emptySums();
      for (const [name, column] of columns) sums[name] = bigintOf(row[column]);
      main.push({ grouping: 'user', feature: null, userTier: textOrNull(row.user_tier), userId: textOrNull(row.user_id), routeIndex: null, modelKey: null, sums });
    }
  }
  const sessionRows = new Map<string, SimulationGroupRow>();
  for (const sessionQuery of sessionQueries) for (const row of results.shift()!) for (const counted of sessionQuery.rows(row)) sessionRows.set(groupKey(counted), counted);
  for (const row of main) {
    // No session count is per user: a user row's stay 0.
    if (row.grouping === 'user') continue;
    const counted = sessionRows.get(groupKey(row));
    for (const name of Object.keys(conditions) as SimulationSum[]) row.sums[name] = counted?.sums[name] ?? 0n;
  }
  return main;
}

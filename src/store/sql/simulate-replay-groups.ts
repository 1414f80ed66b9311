import type { ReplayQuery, SimulationGroupRow, SimulationSum } from '../simulation-replayer.js';
import { groupedCallsSql } from './simulate-replay-grouped.js';
import { replayedCallsSql, replayScratchSql, touchableFeatures, type ReplayScratch } from './simulate-replay-queries.js';
import { bigintOf, emptySums, finestFlagGrouping, flagConditions, flagRowsQuery, flagsSql, flagSums, groupKey, planMeasures, rollUp, textOrNull } from './simulate-flag-rows.js';
import {
  presentSessionConditions,
  regroupedSessionCounts,
  routeIndexesOf,
  sessionConditions,
  type FastSessionCounts,
  type SessionCountQuery,
  type SessionWordsOf,
} from './simulate-session-counts.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * How the replayed calls (simulate-replay-queries.ts) are summed, written once for every backend: the flag pass
 * (simulate-flag-rows.ts), the per-user sums, and the counts of distinct sessions (simulate-session-counts.ts), each
 * a pass of its own. A backend may stage the replayed calls once, one narrow row per call, for the three passes to
 * read instead of running the lever chain three times, or sum them once into the flag rows and one row per (user,
 * session) (ReplayStaging: DuckDB does the latter).
 */

export { bigintOf, groupKey } from './simulate-flag-rows.js';
export { sessionRow, type FastSessionCounts, type SessionCondition, type SessionCountQuery, type SessionWordsOf } from './simulate-session-counts.js';

/** Runs a query and hands back its rows as objects (integers as bigint, number or decimal text; booleans as boolean or 0/1). */
export type SqlRows = (sql: string) => Promise<Array<Record<string, unknown>>>;

/** Runs a query and hands back its columns by name, wide integers as bigint: a backend's cheaper way to read many rows. */
export type SqlColumns = (sql: string) => Promise<Record<string, unknown[]>>;

/** What a backend brings to the shared replay besides running queries; every part optional (ClickHouse brings none). */
export interface ReplayBackend {
  /** Its own way to count sessions for some plans. */
  fastSessionCounts?: FastSessionCounts;
  /** How the passes read the replayed calls (ReplayStaging); null (the default) replays them per pass. */
  staging?: ReplayStaging;
  /** Its session words, which 'grouped' staging needs. */
  sessionWords?: SessionWordsOf;
  /**
   * Reads a query's columns: with 'grouped' staging, the ~50,000 rows of per-user sums at 10M calls are then read as
   * columns of wide integers, not as objects of decimal text (2–4× cheaper in DuckDB; BENCHMARKS.md, "Simulate").
   */
  columns?: SqlColumns;
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

/**
 * How the passes read the replayed calls: each replays them itself (null: the lever chain runs once per pass); they
 * are replayed once into a scratch table, one narrow row per call, that the three passes read ('calls'); or they
 * are replayed once and summed by GROUPING SETS into a scratch table of the flag rows and one row per (user,
 * session), that the passes sum again ('grouped', simulate-replay-grouped.ts: with a backend's SessionWordsOf, else
 * as 'calls').
 */
export type ReplayStaging = 'calls' | 'grouped' | null;

/** The relation each pass reads: the replayed calls, or what was staged of them. */
interface PassInputs {
  flags: string;
  users: string;
  sessions: string;
  /** Set when the passes read staged rows: each stands for calls_in_row calls and carries its flags. */
  staged: boolean;
  /** Set when they read grouped rows: the per-user sums and the session counts are then queries of their own. */
  grouped?: { userSql: string | null; sessionCounts: SessionCountQuery; readColumns?: SqlColumns | undefined };
}

/** Replays the calls of a range under a plan and sums them by group: what SimulationReplayer.replay answers, on any backend. */
export async function replayGroups(
  rows: SqlRows,
  query: ReplayQuery,
  dialect: SqlDialect,
  backend: ReplayBackend = {},
): Promise<SimulationGroupRow[]> {
  const { fastSessionCounts, staging = null, sessionWords, columns: readColumns } = backend;
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
      const passes = grouped.passes(callsTable, readColumns === undefined);
      // The per-user sums and the session counts read the grouped rows through queries of their own (passes).
      return await replayStagedGroups(rows, query, dialect, { flags: passes.flagRows, users: '', sessions: '', staged: true, grouped: { ...passes, readColumns } });
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
  const readColumns = inputs.grouped?.readColumns;
  const flagRows = await rows(flagPass.sql);
  // The per-user sums as columns where the backend reads them so (its sums then wide integers: grouped.userSql).
  const users = !query.byUser ? null : readColumns ? await readColumns(perUser) : rowsToColumns(await rows(perUser));
  const results: Array<Array<Record<string, unknown>>> = [];
  for (const sessionQuery of sessionQueries) results.push(await rows(sessionQuery.sql));

  const main = rollUp(flagRows.map(flagPass.read), flagSums(query.plan, query.keys, flagPass.is), byRoute);
  if (users !== null) {
    const columns = userSums.map(([name]) => [name, users[`user_${name}`] ?? []] as const);
    const [tiers = [], ids = []] = [users.user_tier, users.user_id];
    for (let index = 0; index < tiers.length; index++) {
      const sums = emptySums();
      for (const [name, values] of columns) sums[name] = bigintOf(values[index]);
      main.push({ grouping: 'user', feature: null, userTier: textOrNull(tiers[index]), userId: textOrNull(ids[index]), routeIndex: null, modelKey: null, sums });
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

/** Rows as columns by name (each row has the same columns: the first row's are taken). */
function rowsToColumns(rows: ReadonlyArray<Record<string, unknown>>): Record<string, unknown[]> {
  const columns: Record<string, unknown[]> = {};
  for (const name of Object.keys(rows[0] ?? {})) columns[name] = rows.map((row) => row[name]);
  return columns;
}

import type { ReplayPlan } from '../../core/simulate/replay-plan.js';
import type { SimulationGroupRow, SimulationSum } from '../simulation-replayer.js';
import type { SessionWords } from './simulate-replay-grouped.js';
import { bigintOf, emptySums, textOrNull } from './simulate-flag-rows.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * The replay's counts of distinct sessions (simulate-replay-groups.ts), written once for every backend: which
 * counts a plan can raise, and the shared way to count them (two plain groupings); a backend may bring its own
 * (FastSessionCounts, SessionWordsOf: DuckDB's words of bits, src/store/duckdb/simulate-replay.ts).
 */

/** A count of distinct sessions and the condition under which a call makes its session count. */
export type SessionCondition = { name: SimulationSum; where: string };

// Counts of distinct sessions, per count the condition under which a call makes its session count (made
// calls, unless said), or null when the scenario has no such lever. Every one implies a touched call.
export function sessionConditions(plan: ReplayPlan): Partial<Record<SimulationSum, string | null>> {
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
export function regroupedSessionCounts(calls: string, present: SessionCondition[], routeIndexes: number[], dialect: SqlDialect): SessionCountQuery[] {
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

/** A backend's session counts by words of bits for a plan's counts, route rules and touchable features; null where they do not fit. */
export type SessionWordsOf = (present: SessionCondition[], routeIndexes: number[], features: string[] | null) => SessionWords | null;

/** The counts of distinct sessions a plan can raise, each with the condition a call makes its session count under. */
export function presentSessionConditions(plan: ReplayPlan): SessionCondition[] {
  return (Object.entries(sessionConditions(plan)) as Array<[SimulationSum, string | null]>)
    .filter((entry): entry is [SimulationSum, string] => entry[1] !== null)
    .map(([name, where]) => ({ name, where }));
}

export const routeIndexesOf = (plan: ReplayPlan): number[] => plan.routes.map((_, index) => index);

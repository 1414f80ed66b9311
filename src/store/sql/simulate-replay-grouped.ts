import type { ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * The replay's three passes from one aggregate over the replayed calls ('grouped' staging, simulate-replay-groups.ts).
 * The lever chain runs once and its calls are summed by GROUPING SETS into two groupings at once: the flag rows
 * (feature, user tier, model, route rule, flags: a few hundred rows) and one row per (user, session), which carries
 * the per-user sums and, for the session counts, a word of bits per session or-ed over its calls. The three passes
 * then sum those rows again (a few hundred, and ~1.6M at 10M calls) instead of reading 10M staged calls: writing and
 * reading back one row per call cost as much as the chain itself (BENCHMARKS.md, "Simulate").
 */

/** SQL that counts distinct sessions, and how each of its rows becomes group rows of session counts (SessionCountQuery). */
interface SessionCounts {
  sql: string;
  rows: (row: Record<string, unknown>) => SimulationGroupRow[];
}

/**
 * A backend's session counts from one word of bits per call, or-ed per session (DuckDB's bit_or): which counts a
 * call enters, in total, per route rule and, where the word has room for them, per feature.
 */
export interface SessionWords {
  /** The columns besides session_key that the words are kept per: ['feature'] when the word has no bits per feature. */
  key: string[];
  /** A call's bits, the counts it enters, over the replayed calls' columns: the word reads them as session_bits. */
  bits: string;
  /** A call's word over its columns and session_bits: 0 for a call that makes no session count, or has no session. */
  word: string;
  /** The words of several calls or rows combined (an OR of bits). */
  combine: (word: string) => string;
  /** The session counts over rows of (session_key, key…, session_word), a session in as many rows as it likes. */
  counts: (rows: string) => SessionCounts;
}

/** What the flag pass sums per call, as simulate-flag-rows.ts has them for the plan. */
export interface FlagPassColumns {
  /** The finest grouping of the flag rows, flags aside. */
  finest: string[];
  /** A call's flags (one integer of bits) over the replayed columns. */
  flags: string;
  /** The measures summed per flag row. */
  measures: string[];
}

/** The relations the three passes read from the grouped table, and the SQL of the per-user sums over it. */
export interface GroupedPasses {
  /** Rows of the flag pass, staged: each stands for calls_in_row calls and carries their sums under the measures' names. */
  flagRows: string;
  /** The per-user sums (user_tier, user_id, user_<sum>), or null without users; the sums as text unless `passes` was told otherwise. */
  userSql: string | null;
  sessionCounts: SessionCounts;
}

// What a user row's sums (ReplayQuery.byUser) need per (user, session) besides the flag pass's own sums: its made
// calls, priced and not. Its cost is the measure cost (a dropped call's is 0), its stored cost and calls the
// measure stored_cost and calls_in_row: every aggregate is taken in both groupings, so none is taken twice.
function userSumParts(dialect: SqlDialect): Array<[string, string]> {
  return [
    ['priced_calls', dialect.countIf('NOT dropped AND cost IS NOT NULL')],
    ['unpriced_calls', dialect.countIf('NOT dropped AND cost IS NULL')],
  ];
}

// The user row's sums (the names of userRowSums) over the (user, session) rows: as text, or as the dialect's wide
// integers where the backend reads them as such (GroupedPasses.userSql).
function userSumsOverSessions(dialect: SqlDialect, asText: boolean): Array<[string, string]> {
  const exact = (expression: string): string => (asText ? dialect.exactText(dialect.exactSum(expression)) : dialect.exactSum(expression));
  return [
    ['calls', exact('part_priced_calls + part_unpriced_calls')],
    ['priced_calls', exact('part_priced_calls')],
    ['unpriced_calls', exact('part_unpriced_calls')],
    ['cost', exact('cost')],
    ['stored_cost', exact('stored_cost')],
    ['stored_calls', exact('calls_in_row')],
  ];
}

/**
 * The SELECT that sums the replayed calls `calls` into the grouped table (flag rows and (user, session) rows, told
 * apart by flag_row), and how the passes read that table once it is held in `table`: the per-user sums as decimal
 * text, or (`sumsAsText` false) as wide integers, for a backend that reads them as bigints.
 */
export function groupedCallsSql(
  calls: string,
  columns: FlagPassColumns,
  query: ReplayQuery,
  dialect: SqlDialect,
  words: SessionWords,
): { select: string; passes: (table: string, sumsAsText?: boolean) => GroupedPasses } {
  const sessionGrouping = [...(query.byUser ? ['user_tier', 'user_id'] : []), 'session_key', ...words.key];
  const flagGrouping = [...columns.finest, 'flags'];
  const keys = [...new Set([...flagGrouping, ...sessionGrouping])];
  const parts = query.byUser ? userSumParts(dialect) : [];
  // In the flag rows the (user, session) sums are sums too, and the other way round: GROUPING SETS computes every
  // aggregate in both groupings. The measures' ~1.6M unused sums cost less than a second pass over the calls.
  const select = `SELECT GROUPING(session_key) AS flag_row, ${keys.join(', ')}, count(*) AS calls_in_row,
      ${columns.measures.map((name) => `${dialect.exactSum(name)} AS ${name}`).join(', ')},
      ${parts.map(([name, sql]) => `${sql} AS part_${name}, `).join('')}${words.combine('session_word')} AS session_word
    FROM (SELECT *, ${columns.flags} AS flags, ${words.word} AS session_word
      FROM (SELECT *, ${words.bits} AS session_bits FROM (${calls}) AS replayed) AS replayed) AS flagged
    GROUP BY GROUPING SETS ((${flagGrouping.join(', ')}), (${sessionGrouping.join(', ')}))`;
  const passes = (table: string, sumsAsText = true): GroupedPasses => {
    const sessionRows = `SELECT * FROM ${table} WHERE flag_row = 0`;
    return {
      flagRows: `SELECT * FROM ${table} WHERE flag_row = 1`,
      userSql: query.byUser
        ? `SELECT user_tier, user_id, ${userSumsOverSessions(dialect, sumsAsText).map(([name, sql]) => `${sql} AS user_${name}`).join(', ')}
          FROM (${sessionRows}) AS sessions GROUP BY user_tier, user_id`
        : null,
      sessionCounts: words.counts(sessionRows),
    };
  };
  return { select, passes };
}

import { DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { ModelKey } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';
import { featureProfiles as sharedFeatureProfiles } from '../sql/simulate-feature-profiles.js';
import type { SessionWords } from '../sql/simulate-replay-grouped.js';
import { bigintOf, replayGroups, sessionRow, type ReplayStaging, type SessionCondition, type SessionCountQuery, type SqlColumns, type SqlRows } from '../sql/simulate-replay-groups.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import { caseChain, quote } from './simulate-replay-sql.js';

/*
 * The what-if replay in DuckDB. What it asks — the lever chain, the groupings and measures, the session counts,
 * the feature profiles — is written once for every backend in src/store/sql/simulate-*.ts; DuckDB runs it on a
 * connection of its own, and keeps one optimisation of its own: distinct sessions counted with one bit_or per
 * session, which also lets it sum the replayed calls once for all three passes ('grouped' staging).
 */

export { userRowSums } from '../sql/simulate-replay-groups.js';

/** Creates sim_keys on a connection (temporary, so each connection has its own): the stored (provider, model) with its key, for tests that join calls to their key. */
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

const rowsOf = (connection: DuckDBConnection): SqlRows => async (sql) => (await connection.runAndReadAll(sql)).getRowObjects() as Array<Record<string, unknown>>;

// The replay's rows as plain JS values, ~4× faster to build than DuckDB values (0.15 s for the 50,000 users of the
// 10M bench): its queries give text, integers and booleans only (sums as text), which both read alike.
const plainRowsOf = (connection: DuckDBConnection): SqlRows => async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS() as Array<Record<string, unknown>>;

// The same as columns, HUGEINT sums as bigint: the 50,001 users' sums of the 10M bench in 53–106 ms against 180–236 ms as
// row objects of decimal text (BENCHMARKS.md, "Simulate").
const columnsOf = (connection: DuckDBConnection): SqlColumns => async (sql) => (await connection.runAndReadAll(sql)).getColumnsObjectJS() as Record<string, unknown[]>;

/**
 * Replays the calls of the range, summed by group (simulate-replay-groups.ts). By default the replayed calls are
 * summed once, by GROUPING SETS, into the flag rows and one row per (user, session) that the three passes sum again
 * ('grouped'): the lever chain runs once and no row per call is written (BENCHMARKS.md, "Simulate"). 'calls' stages
 * one row per call instead; null replays them per pass.
 */
export async function replayAggregates(connection: DuckDBConnection, query: ReplayQuery, staging: ReplayStaging = 'grouped'): Promise<SimulationGroupRow[]> {
  return replayGroups(plainRowsOf(connection), query, duckdbDialect, {
    fastSessionCounts: (calls, present, routeIndexes, features) => {
      const words = sessionWords(present, routeIndexes, features);
      // Per call, only where the word has a slot per feature: without one, the shared regrouping does as well.
      if (words === null || words.key.length > 0) return null;
      return words.counts(`SELECT session_key, ${words.word} AS session_word FROM (SELECT *, ${words.bits} AS session_bits FROM (${calls}) AS c WHERE session_key IS NOT NULL AND touched) AS c`);
    },
    staging,
    sessionWords,
    columns: columnsOf(connection),
  });
}

/**
 * Distinct sessions by one integer of bits per session, or-ed over its calls: which counts it enters (a bit per
 * count) in total and per route rule, and — when the calls a plan can touch belong to a few known features and
 * the integer has room — per feature; else the words are kept per (session, feature) and counted per feature
 * from those. Null when even that does not fit 127 bits. Every session condition implies a touched call, so a call
 * that is not touched (or has no session) has the word 0. The word reads the call's bits as session_bits, worked
 * out a level below it (`bits`): DuckDB would evaluate them once per slot inside the CASE.
 */
function sessionWords(present: SessionCondition[], routeIndexes: number[], features: string[] | null): SessionWords | null {
  const width = present.length;
  const slotted = features !== null && (1 + routeIndexes.length + features.length) * width <= 127;
  const slotCount = 1 + routeIndexes.length + (slotted ? features.length : 0);
  if (slotCount * width > 127) return null;
  const type = slotCount * width <= 63 ? 'BIGINT' : 'HUGEINT';
  const bits = `(${present.map((condition, bit) => `CASE WHEN ${condition.where} THEN ${2 ** bit} ELSE 0 END`).join(' + ')})::${type}`;
  const routeSlot = routeIndexes.length > 0 ? ` | coalesce(session_bits << (${width} * (1 + route_index)), 0)` : '';
  const featureSlot = slotted ? caseChain(features.map((feature, index) => [`feature = ${quote(feature)}`, String(1 + routeIndexes.length + index)]), 'NULL') : null;
  const featureBits = featureSlot === null ? '' : ` | coalesce(session_bits << (${width} * ${featureSlot}), 0)`;
  const word = `CASE WHEN session_key IS NOT NULL AND touched THEN session_bits${featureBits}${routeSlot} ELSE CAST(0 AS ${type}) END`;
  const counted = (slots: number[]): string[] =>
    slots.flatMap((slot) => present.map((condition, bit) => `count(*) FILTER (WHERE (slots >> ${slot * width + bit}) & 1 = 1) AS s${slot}_${condition.name}`));
  const perSession = (rows: string, key: string[]): string =>
    `SELECT ${[...key, 'session_key'].join(', ')}, bit_or(session_word) AS slots FROM (${rows}) AS words WHERE session_key IS NOT NULL GROUP BY ${[...key, 'session_key'].join(', ')}`;
  const sumsOf = (row: Record<string, unknown>, slot: number) => Object.fromEntries(present.map((condition) => [condition.name, bigintOf(row[`s${slot}_${condition.name}`])]));
  const across = (row: Record<string, unknown>): SimulationGroupRow[] => [
    sessionRow('total', null, null, sumsOf(row, 0)),
    ...routeIndexes.map((route) => sessionRow('route', null, route, sumsOf(row, 1 + route))),
  ];
  const allSlots = Array.from({ length: slotCount }, (_, slot) => slot);
  const counts = (rows: string): SessionCountQuery => {
    if (slotted) {
      return {
        sql: `SELECT ${counted(allSlots).join(', ')} FROM (${perSession(rows, [])}) AS sessions`,
        rows: (row) => [...across(row), ...features.map((feature, index) => sessionRow('feature', feature, null, sumsOf(row, 1 + routeIndexes.length + index)))],
      };
    }
    // Per feature only the counts without a route rule; the route slots are 0 there, so both halves have the same columns.
    const routeZeros = counted(allSlots.slice(1)).map((column) => `0 AS ${column.slice(column.lastIndexOf(' AS ') + 4)}`);
    return {
      sql: `SELECT FALSE AS across_features, feature, ${[...counted([0]), ...routeZeros].join(', ')} FROM (${perSession(rows, ['feature'])}) AS sessions GROUP BY feature
        UNION ALL
        SELECT TRUE AS across_features, NULL AS feature, ${counted(allSlots).join(', ')} FROM (${perSession(rows, [])}) AS sessions`,
      rows: (row) => (row.across_features === true ? across(row) : [sessionRow('feature', row.feature === null || row.feature === undefined ? null : String(row.feature), null, sumsOf(row, 0))]),
    };
  };
  return { key: slotted ? [] : ['feature'], bits, word, combine: (column) => `bit_or(${column})`, counts };
}

/** Per feature: its most used model, median input, 90th percentile output, 95th percentile calls per session. */
export function featureProfiles(connection: DuckDBConnection, range: TimeRange): Promise<FeatureTrafficProfile[]> {
  return sharedFeatureProfiles(rowsOf(connection), range, duckdbDialect);
}

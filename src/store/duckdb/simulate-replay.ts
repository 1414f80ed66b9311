import { DuckDBDataChunk, INTEGER, VARCHAR, type DuckDBConnection } from '@duckdb/node-api';
import type { ModelKey } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';
import { featureProfiles as sharedFeatureProfiles } from '../sql/simulate-feature-profiles.js';
import { bigintOf, replayGroups, sessionRow, type ReplayStaging, type SessionCondition, type SessionCountQuery, type SqlRows } from '../sql/simulate-replay-groups.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import { caseChain, quote } from './simulate-replay-sql.js';

/*
 * The what-if replay in DuckDB. What it asks — the lever chain, the groupings and measures, the session counts,
 * the feature profiles — is written once for every backend in src/store/sql/simulate-*.ts; DuckDB runs it on a
 * connection of its own, and keeps one optimisation of its own: distinct sessions counted with one bit_or per
 * session when the levers can touch only a few named features.
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

/**
 * Replays the calls of the range, summed by group (simulate-replay-groups.ts). By default the replayed calls are
 * staged once in a temporary table that the three passes read ('calls'): the lever chain runs once instead of
 * three times, for ~0.5 GB more memory at 10M calls (BENCHMARKS.md, "Simulate"); null replays them per pass.
 */
export async function replayAggregates(connection: DuckDBConnection, query: ReplayQuery, staging: ReplayStaging = 'calls'): Promise<SimulationGroupRow[]> {
  return replayGroups(rowsOf(connection), query, duckdbDialect, (calls, present, routeIndexes, features) => {
    const slots = features === null ? Infinity : (1 + routeIndexes.length + features.length) * present.length;
    return features !== null && slots <= 127 ? packedSessionCounts(calls, present, routeIndexes, features) : null;
  }, staging);
}

// Every session condition implies a touched call, so sessions are counted over touched calls only.

/**
 * Distinct sessions when the calls a plan can touch belong to a few known features: per session, one integer
 * whose bits say which counts it enters in total, per route rule and per feature (a flag per count in each
 * slot), so the calls are grouped once, by session, with one bit_or.
 */
function packedSessionCounts(calls: string, present: SessionCondition[], routeIndexes: number[], features: string[]): SessionCountQuery {
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
  const sumsOf = (row: Record<string, unknown>, slot: number) => Object.fromEntries(present.map((condition) => [condition.name, bigintOf(row[`s${slot}_${condition.name}`])]));
  const rows = (row: Record<string, unknown>): SimulationGroupRow[] => [
    sessionRow('total', null, null, sumsOf(row, 0)),
    ...routeIndexes.map((route) => sessionRow('route', null, route, sumsOf(row, 1 + route))),
    ...features.map((feature, index) => sessionRow('feature', feature, null, sumsOf(row, 1 + routeIndexes.length + index))),
  ];
  return { sql, rows };
}

/** Per feature: its most used model, median input, 90th percentile output, 95th percentile calls per session. */
export function featureProfiles(connection: DuckDBConnection, range: TimeRange): Promise<FeatureTrafficProfile[]> {
  return sharedFeatureProfiles(rowsOf(connection), range, duckdbDialect);
}

import type { ModelKey, ReplayPlan, SimulationRateRow } from '../../core/simulate/replay-plan.js';
import type { TimeRange } from '../event-writer.js';
import { replayedCallsSql as sharedReplayedCallsSql } from '../sql/simulate-replay-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';

/*
 * The replay's SQL in DuckDB's spelling. What it asks — the lever chain, in docs/simulate.md's order — is
 * written once for every backend in src/store/sql/simulate-replay-queries.ts; this file keeps the DuckDB
 * helpers the gateway's effects share, and the per-call SQL simulate-replay.int.test.ts holds to the
 * reference replay call by call.
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

// The rate lookup and CASE chains are shared with the gateway's effects and every backend (src/store/sql/rate-lookup.ts).
export { caseChain, rateLookup } from '../sql/rate-lookup.js';
export { touchableFeatures } from '../sql/simulate-replay-queries.js';

/** The replayed calls of a range in DuckDB's spelling, one row per stored call (dropped ones included, flagged). */
export function replayedCallsSql(plan: ReplayPlan, keys: readonly ModelKey[], rates: readonly SimulationRateRow[], range: TimeRange): string {
  return sharedReplayedCallsSql(plan, keys, rates, range, duckdbDialect);
}

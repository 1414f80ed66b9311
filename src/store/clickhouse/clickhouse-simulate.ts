import type { TimeRange } from '../event-writer.js';
import { featureProfiles } from '../sql/simulate-feature-profiles.js';
import { replayGroups, type SqlRows } from '../sql/simulate-replay-groups.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';

/*
 * The what-if replay on ClickHouse: the queries are the shared ones (src/store/sql/simulate-*.ts) in
 * ClickHouse's spelling; this file only runs them. 64-bit integers come back as text and exact sums as
 * decimal text, which the shared readers take as BigInt.
 */

const rowsOf = (connection: ClickhouseConnection): SqlRows => (sql) => connection.rows<Record<string, unknown>>(sql);

/** Replays the calls of a range under a plan, summed by group. */
export function clickhouseReplay(connection: ClickhouseConnection, query: ReplayQuery): Promise<SimulationGroupRow[]> {
  return replayGroups(rowsOf(connection), query, clickhouseDialect);
}

/** Per feature of a range: its main model and the percentiles optimize's defaults are made of. */
export function clickhouseFeatureProfiles(connection: ClickhouseConnection, range: TimeRange): Promise<FeatureTrafficProfile[]> {
  return featureProfiles(rowsOf(connection), range, clickhouseDialect);
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { TimeRange } from '../event-writer.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import { readGatewayEffects, readGatewayPricedModels, type ReadRows } from '../sql/gateway-effects-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';

/* The gateway's effects on a DuckDB store: the queries every backend shares (src/store/sql/gateway-effects-queries.ts). */

const readerOf =
  (connection: DuckDBConnection): ReadRows =>
  async (sql) =>
    (await connection.runAndReadAll(sql)).getRowObjects();

/** The models the effects of a range are priced at. */
export function gatewayPricedModels(connection: DuckDBConnection, range: TimeRange, cascadeTargets: readonly CascadeTarget[]): Promise<GatewayPricedModels> {
  return readGatewayPricedModels(readerOf(connection), duckdbDialect, range, cascadeTargets);
}

/** Sums the gateway's calls of a range per lever. */
export function gatewayEffects(connection: DuckDBConnection, query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
  return readGatewayEffects(readerOf(connection), duckdbDialect, query);
}

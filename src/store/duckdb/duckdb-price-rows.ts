import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoredPriceRow } from '../stored-rows.js';

/** Inserts price rows, replacing those with the same price id (inside the caller's transaction). */
export async function writePriceRows(connection: DuckDBConnection, rows: StoredPriceRow[]): Promise<void> {
  const statement = await connection.prepare(`INSERT OR REPLACE INTO prices VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`);
  for (const row of rows) {
    statement.bind([
      row.priceId, row.provider, row.model, row.sources,
      BigInt(row.inputRate), BigInt(row.cacheReadRate), BigInt(row.cacheWrite5mRate), BigInt(row.cacheWrite1hRate),
      BigInt(row.outputRate), BigInt(row.reasoningRate), BigInt(row.inputAudioRate), BigInt(row.outputAudioRate),
      BigInt(row.requestFee), row.tiers,
    ]);
    await statement.run();
  }
}

/** A price row's whole content as one string, to tell a row already written from one that changed under the same id. */
export function priceRowContent(row: StoredPriceRow): string {
  return JSON.stringify([
    row.priceId, row.provider, row.model, row.sources,
    row.inputRate, row.cacheReadRate, row.cacheWrite5mRate, row.cacheWrite1hRate,
    row.outputRate, row.reasoningRate, row.inputAudioRate, row.outputAudioRate,
    row.requestFee, row.tiers,
  ]);
}

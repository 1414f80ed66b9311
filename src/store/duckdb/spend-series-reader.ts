import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpendSeriesQuery, SpendSeriesRow } from '../../core/governance/alerts/spend-series.js';
import { count, exact, rowsOf } from './report-rows.js';
import { refreshReportSummaries } from './report-summaries.js';
import { spendSeriesQuery } from './spend-series-sql.js';

/** Runs a spend series query, refreshing the summaries first (whole days read them). */
export async function runSpendSeries(connection: DuckDBConnection, query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
  await refreshReportSummaries(connection);
  return (await rowsOf(connection, spendSeriesQuery(query))).map((row) => {
    const cost = { input: exact(row.cost_input), cacheRead: exact(row.cost_cache_read), cacheWrite: exact(row.cost_cache_write), output: exact(row.cost_output) };
    const total = exact(row.cost_total);
    return {
      value: (row.value as string | null) ?? null,
      bucketStartMs: Number(row.bucket_ms),
      model: (row.model as string | null) ?? '(none)',
      calls: count(row.calls),
      tokens: { input: count(row.input_tokens), cacheRead: count(row.cache_read_tokens), cacheWrite: count(row.cache_write_tokens), output: count(row.output_tokens) },
      // Audio and per-request fees: whatever the classes above leave of the total, so the parts add up exactly.
      cost: { ...cost, other: total - cost.input - cost.cacheRead - cost.cacheWrite - cost.output },
      totalPicodollars: total,
      responseCacheHits: count(row.response_cache_hits),
      responseCacheLookups: count(row.response_cache_lookups),
    };
  });
}

import type { DuckDBConnection } from '@duckdb/node-api';
import type { SpendSeriesQuery, SpendSeriesRow } from '../../core/governance/alerts/spend-series.js';
import { spendSeriesRow } from '../sql/spend-series-queries.js';
import { rowsOf } from './report-rows.js';
import { refreshReportSummaries } from './report-summaries.js';
import { spendSeriesQuery } from './spend-series-sql.js';

/** Runs a spend series query, refreshing the summaries first (whole days read them). */
export async function runSpendSeries(connection: DuckDBConnection, query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
  await refreshReportSummaries(connection);
  return (await rowsOf(connection, spendSeriesQuery(query))).map(spendSeriesRow);
}

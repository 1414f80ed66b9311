import { eventReportBackend, type ReportBackend } from '../report-assembly.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';

/**
 * What reports, KPIs and the users-at-a-loss view of a ClickHouse store read: every measure from the raw
 * events (what ClickHouse is built to scan), through the queries every backend shares
 * (src/store/sql/report-queries.ts, report-revenue-queries.ts) in ClickHouse's spelling, put together by
 * report-assembly.ts as DuckDB's are. Nothing else lives here: a fix to what a report asks lands in the
 * shared queries and reaches both backends.
 */
export function clickhouseReportBackend(connection: ClickhouseConnection): ReportBackend {
  return eventReportBackend(clickhouseDialect, {
    rows: (sql) => connection.rows(sql, largeQueries),
    run: (sql) => connection.run(sql),
  });
}

/**
 * A report by day over years lists each slice's days (clickhouseDialect.sliceDays: 10,000 buckets are
 * ~20,000 days), past the server's default limits of 256 kB of SQL and 50,000 AST nodes.
 */
const largeQueries = { max_query_size: String(16 * 2 ** 20), max_ast_elements: String(2_000_000) };

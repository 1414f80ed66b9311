import type { DuckDBConnection } from '@duckdb/node-api';
import type { CloseConflict, PeriodContents, StatementLedger, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import {
  closedStatementsSql,
  insertStatementLineSql,
  insertStatementSql,
  overlappingStatementSql,
  periodContentsSql,
  statementLinesSql,
  type StatementSqlDialect,
} from '../statement-sql.js';
import { inTransaction } from './duckdb-database.js';
import { count, exact } from './report-rows.js';

/** DuckDB's spelling of the ledger's SQL (statement-sql.ts holds its shape). */
export const duckdbStatementDialect: StatementSqlDialect = {
  day: (literal) => {
    // Days come from parsed periods; checking the shape keeps a literal from ever carrying SQL.
    if (!/^\d{4}-\d{2}-\d{2}$/.test(literal)) throw new Error(`not a day: ${literal}`);
    return `TIMESTAMP '${literal}'`;
  },
  parameter: (index, type = 'text') => {
    const cast = { text: null, integer: 'BIGINT', exact: 'HUGEINT', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN' }[type];
    return cast === null ? `$${index}` : `CAST($${index} AS ${cast})`;
  },
  // 63 bits of MD5, as record keys use: a fingerprint is stored for good, and DuckDB's own hash() may change
  // between versions (MD5 costs ~0.5 s more over 10M calls). XOR is order-free: how rows are stored does not matter.
  xorOfHashes: (column) => `coalesce(bit_xor(CAST(md5_number(${column}) >> 65 AS BIGINT)), 0)`,
  exactSum: (column) => `coalesce(sum(${column})::HUGEINT, 0)`,
  isoInstant: (column) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`,
  dayOf: (column) => `strftime(${column}, '%Y-%m-%d')`,
};

/** The statement ledger of a DuckDB store, on the store's connection (closing takes the write queue's turn like any write). */
export function createDuckdbStatementLedger(connection: DuckDBConnection): StatementLedger {
  const dialect = duckdbStatementDialect;
  const linesOf = async (sql: string, id: string): Promise<StoredStatementLine[]> =>
    ((await connection.runAndReadAll(sql, [id])).getRowObjectsJS() as Array<Record<string, unknown>>).map(lineOf);
  return {
    closedStatements: async (groupBy) => ((await connection.runAndReadAll(closedStatementsSql(dialect), [groupBy])).getRowObjectsJS() as Array<Record<string, unknown>>).map(statementOf),
    statementLines: (statementId) => linesOf(statementLinesSql(dialect, 'of-statement'), statementId),
    carriedAdjustments: (statementId) => linesOf(statementLinesSql(dialect, 'adjusting-statement'), statementId),
    closeStatement: (statement, lines) =>
      inTransaction(connection, async (): Promise<{ closed: true } | CloseConflict> => {
        const overlapping = (await connection.runAndReadAll(overlappingStatementSql(dialect), [statement.groupBy, statement.from, statement.to])).getRowObjectsJS()[0];
        if (overlapping !== undefined) {
          const existing = (await connection.runAndReadAll(closedStatementsSql(dialect), [statement.groupBy])).getRowObjectsJS() as Array<Record<string, unknown>>;
          return { closed: false, overlapping: statementOf(existing.find((row) => row.statement_id === overlapping.statement_id)!) };
        }
        await connection.run(insertStatementSql(dialect), [
          statement.statementId,
          statement.period,
          statement.from,
          statement.to,
          statement.groupBy,
          statement.allocation,
          statement.fingerprint,
          String(statement.calls),
          String(statement.unpricedCalls),
          String(statement.revenueTracked),
          statement.totalPicodollars.toString(),
          // DuckDB's TIMESTAMP has no zone: instants are stored as UTC without the Z.
          statement.closedAt.replace('Z', ''),
        ]);
        for (const [index, line] of lines.entries()) {
          await connection.run(insertStatementLineSql(dialect), [
            statement.statementId,
            String(index + 1),
            line.kind,
            // Tag values are 1–512 characters, so the empty string cannot be one: it stands for calls without the tag.
            line.group ?? '',
            line.adjustsStatementId,
            line.adjustsPeriod,
            String(line.calls),
            line.directPicodollars.toString(),
            line.sharedPicodollars.toString(),
            line.totalPicodollars.toString(),
            line.revenuePicodollars === null ? null : line.revenuePicodollars.toString(),
          ]);
        }
        return { closed: true };
      }),
    periodContents: async (range): Promise<PeriodContents> => {
      const row = (await connection.runAndReadAll(periodContentsSql(dialect, range))).getRowObjectsJS()[0] as Record<string, unknown>;
      return {
        usageEvents: count(row.usage_events),
        usageDigest: exact(row.usage_digest),
        costPicodollars: exact(row.cost),
        pricedEvents: count(row.priced_events),
        revenueRecords: count(row.revenue_records),
        revenueDigest: exact(row.revenue_digest),
      };
    },
  };
}

function statementOf(row: Record<string, unknown>): StoredStatement {
  return {
    statementId: String(row.statement_id),
    period: String(row.period),
    from: String(row.period_from),
    to: String(row.period_to),
    groupBy: String(row.group_by),
    allocation: String(row.allocation),
    fingerprint: String(row.fingerprint),
    calls: count(row.calls),
    unpricedCalls: count(row.unpriced_calls),
    revenueTracked: row.revenue_tracked === true,
    totalPicodollars: exact(row.total_picodollars),
    closedAt: String(row.closed_at),
  };
}

function lineOf(row: Record<string, unknown>): StoredStatementLine {
  return {
    kind: row.kind === 'adjustment' || row.kind === 'shared' ? row.kind : 'group',
    group: row.group_value === '' ? null : String(row.group_value),
    adjustsStatementId: (row.adjusts_statement_id as string | null) ?? null,
    adjustsPeriod: (row.adjusts_period as string | null) ?? null,
    calls: count(row.calls),
    directPicodollars: exact(row.direct_picodollars),
    sharedPicodollars: exact(row.shared_picodollars),
    totalPicodollars: exact(row.total_picodollars),
    revenuePicodollars: row.revenue_picodollars === null || row.revenue_picodollars === undefined ? null : exact(row.revenue_picodollars),
  };
}

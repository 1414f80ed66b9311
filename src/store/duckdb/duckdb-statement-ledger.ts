import type { DuckDBConnection } from '@duckdb/node-api';
import type { CloseConflict, StatementLedger, StoredStatementLine } from '../statement-ledger.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import {
  closedStatementsQuery,
  insertQuery,
  lineColumns,
  lineOf,
  lineValues,
  overlappingStatementQuery,
  periodContentsOf,
  periodContentsQueries,
  statementColumns,
  statementLinesQuery,
  statementOf,
  statementValues,
  type BoundSql,
  type StatementSqlDialect,
} from '../sql/statement-sql.js';
import { inTransaction } from './duckdb-database.js';

/** DuckDB's spelling of the ledger's SQL (sql/statement-sql.ts holds its shape). */
export const duckdbStatementDialect: StatementSqlDialect = {
  ...duckdbDialect,
  bind: (values, value, type) => {
    // DuckDB's TIMESTAMP has no zone: instants are stored as UTC without the Z.
    values.push(type === 'timestamp' && value !== null ? value.replace(/Z$/, '') : value);
    const cast = { text: null, integer: 'BIGINT', exact: 'HUGEINT', timestamp: 'TIMESTAMP', boolean: 'BOOLEAN' }[type];
    return cast === null ? `$${values.length}` : `CAST($${values.length} AS ${cast})`;
  },
  // 63 bits of MD5, as record keys use: a fingerprint is stored for good, and DuckDB's own hash() may change
  // between versions (MD5 costs ~0.5 s more over 10M calls). XOR is order-free: how rows are stored does not matter.
  xorOfHashes: (column) => `coalesce(bit_xor(CAST(md5_number(${column}) >> 65 AS BIGINT)), 0)`,
  isoInstant: (column) => `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ')`,
  dayOf: (column) => `strftime(${column}, '%Y-%m-%d')`,
  // A transaction writes a statement and its lines together: every stored row is a closed one.
  closedStatements: 'statements',
  closedLines: 'statement_lines',
};

/** The statement ledger of a DuckDB store, on the store's connection (closing takes the write queue's turn like any write). */
export function createDuckdbStatementLedger(connection: DuckDBConnection): StatementLedger {
  const dialect = duckdbStatementDialect;
  const rows = async (query: BoundSql): Promise<Array<Record<string, unknown>>> => (await connection.runAndReadAll(query.sql, query.values)).getRowObjectsJS() as Array<Record<string, unknown>>;
  const linesOf = async (query: BoundSql): Promise<StoredStatementLine[]> => (await rows(query)).map(lineOf);
  return {
    closedStatements: async (groupBy) => (await rows(closedStatementsQuery(dialect, groupBy))).map(statementOf),
    allClosedStatements: async () => (await rows(closedStatementsQuery(dialect, null))).map(statementOf),
    statementLines: (statementId) => linesOf(statementLinesQuery(dialect, 'of-statement', statementId)),
    carriedAdjustments: (statementId) => linesOf(statementLinesQuery(dialect, 'adjusting-statement', statementId)),
    closeStatement: (statement, lines) =>
      inTransaction(connection, async (): Promise<{ closed: true } | CloseConflict> => {
        const overlapping = (await rows(overlappingStatementQuery(dialect, statement)))[0];
        if (overlapping !== undefined) return { closed: false, overlapping: statementOf(overlapping) };
        const header = insertQuery(dialect, 'statements', statementColumns, statementValues(statement));
        await connection.run(header.sql, header.values);
        for (const [index, line] of lines.entries()) {
          const row = insertQuery(dialect, 'statement_lines', lineColumns, lineValues(statement.statementId, index, line));
          await connection.run(row.sql, row.values);
        }
        return { closed: true };
      }),
    periodContents: async (range) => {
      const queries = periodContentsQueries(dialect, range);
      const [calls] = await rows(queries.calls);
      const [revenue] = await rows(queries.revenue);
      return periodContentsOf(calls!, revenue!);
    },
  };
}

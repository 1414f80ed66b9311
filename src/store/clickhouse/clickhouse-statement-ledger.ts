import type { CloseConflict, StatementLedger, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import {
  closedStatementsQuery,
  lineColumns,
  lineOf,
  lineValues,
  overlappingStatementQuery,
  periodContentsOf,
  periodContentsQueries,
  periodsOverlap,
  statementColumns,
  statementLinesQuery,
  statementOf,
  statementValues,
  type ParameterType,
  type SqlValue,
  type StatementSqlDialect,
} from '../sql/statement-sql.js';
import { sqlString, type ClickhouseConnection } from './clickhouse-connection.js';

/** An instant or a day as the ClickHouse ledger stores it: milliseconds since the epoch. */
function instantMs(value: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`not an instant: ${value}`);
  return ms;
}

/** A value as ClickHouse stores it in a column of the type named (also what a TabSeparated insert sends). */
function storedValue(value: SqlValue, type: ParameterType): string | number | null {
  if (value === null) return null;
  switch (type) {
    case 'timestamp':
      return instantMs(value);
    case 'boolean':
      return value === 'true' ? 1 : 0;
    case 'integer':
    case 'exact':
      // Checked, since the digits are spelled into SQL or TabSeparated text as they are.
      if (!/^-?\d+$/.test(value)) throw new Error(`not a whole number: ${value}`);
      return value;
    case 'text':
      return value;
  }
}

/**
 * ClickHouse's spelling of the ledger's SQL (sql/statement-sql.ts holds its shape). 18.16 binds no query
 * parameters, so values are spelled inline, each checked or quoted for its type.
 */
export const clickhouseStatementDialect: StatementSqlDialect = {
  ...clickhouseDialect,
  bind: (_values, value, type) => {
    const stored = storedValue(value, type);
    if (stored === null) return 'NULL';
    if (type === 'text') return sqlString(String(stored));
    return type === 'exact' ? `toDecimal128('${stored}', 0)` : String(stored);
  },
  // The same 63 bits as DuckDB's md5_number(x) >> 65: bytes 9–16 of the MD5, read little-endian, shifted right once.
  // A fingerprint taken on one backend then compares equal on the other (after `store copy`, say).
  xorOfHashes: (column) => `groupBitXor(bitShiftRight(reinterpretAsUInt64(substring(MD5(${column}), 9, 8)), 1))`,
  isoInstant: (column) =>
    `concat(replaceOne(toString(toDateTime(intDiv(${column}, 1000), 'UTC')), ' ', 'T'), '.', substring(toString(1000 + ${column} % 1000), 2), 'Z')`,
  dayOf: (column) => `toString(toDate(toDateTime(intDiv(${column}, 1000)), 'UTC'))`,
  closedStatements: '(SELECT * FROM statements FINAL WHERE withdrawn = 0)',
  closedLines:
    '(SELECT * FROM statement_lines FINAL WHERE (statement_id, closed_at) IN (SELECT statement_id, closed_at FROM statements FINAL WHERE withdrawn = 0))',
};

/**
 * The statement ledger of a ClickHouse store. ClickHouse has no transactions, so a close is ordered so that
 * every moment of it is a state a reader may see:
 *  1. the overlap check, as DuckDB's (a conflict writes nothing);
 *  2. the lines, keyed by the close's closed_at: invisible, since reads see only lines of a closed statement;
 *  3. the header, which makes the statement and its lines visible at once (one INSERT is atomic);
 *  4. a second overlap check: two processes closing overlapping periods at the same moment both passed step 1,
 *     so each looks again, and one that now sees another withdraws its own (a newer version of its header,
 *     marked withdrawn) and reports the conflict. At most one of them stays closed; if each saw the other,
 *     both withdraw and a retry closes one. A crash at any step leaves lines no read sees, or a closed statement.
 */
export function createClickhouseStatementLedger(connection: ClickhouseConnection): StatementLedger {
  const dialect = clickhouseStatementDialect;
  const closedStatements = async (groupBy: string | null): Promise<StoredStatement[]> => (await connection.rows(closedStatementsQuery(dialect, groupBy).sql)).map(statementOf);
  const linesOf = async (which: 'of-statement' | 'adjusting-statement', statementId: string): Promise<StoredStatementLine[]> =>
    (await connection.rows(statementLinesQuery(dialect, which, statementId).sql)).map(lineOf);
  const insertHeader = (statement: StoredStatement, withdrawn: boolean): Promise<void> => {
    const closedAtMs = instantMs(statement.closedAt);
    const row = statementValues(statement).map((value, index) => storedValue(value, statementColumns[index]![1]));
    // A withdrawal is the newer version of the same close; a later close of the same id is newer than both.
    return connection.insert('statements', [...statementColumns.map(([name]) => name), 'withdrawn', 'version'], [[...row, withdrawn ? 1 : 0, closedAtMs * 2 + (withdrawn ? 1 : 0)]]);
  };
  return {
    closedStatements,
    allClosedStatements: () => closedStatements(null),
    statementLines: (statementId) => linesOf('of-statement', statementId),
    carriedAdjustments: (statementId) => linesOf('adjusting-statement', statementId),
    closeStatement: async (statement, lines): Promise<{ closed: true } | CloseConflict> => {
      const overlapping = (await connection.rows(overlappingStatementQuery(dialect, statement).sql))[0];
      if (overlapping !== undefined) return { closed: false, overlapping: statementOf(overlapping) };
      const closedAtMs = instantMs(statement.closedAt);
      const lineNames = lineColumns.map(([name]) => name);
      const lineRows = lines.map((line, index) => {
        const row = lineValues(statement.statementId, index, line).map((value, column) => storedValue(value, lineColumns[column]![1]));
        return [row[0], closedAtMs, ...row.slice(1)];
      });
      if (lineRows.length > 0) await connection.insert('statement_lines', [lineNames[0]!, 'closed_at', ...lineNames.slice(1)], lineRows);
      await insertHeader(statement, false);
      const now = await closedStatements(statement.groupBy);
      const rival = now.find(
        (other) => (other.statementId !== statement.statementId && periodsOverlap(other, statement)) || (other.statementId === statement.statementId && other.closedAt !== statement.closedAt),
      );
      if (rival === undefined) return { closed: true };
      if (rival.statementId !== statement.statementId) await insertHeader(statement, true);
      return { closed: false, overlapping: rival };
    },
    periodContents: async (range) => {
      const queries = periodContentsQueries(dialect, range);
      const [calls] = await connection.rows(queries.calls.sql);
      const [revenue] = await connection.rows(queries.revenue.sql);
      return periodContentsOf(calls!, revenue!);
    },
  };
}

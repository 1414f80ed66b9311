/*
 * The statement ledger's queries, in one place and one shape for every backend: a backend passes its
 * dialect (how it spells a day as a timestamp, a stable hash of a string XORed over rows, a bound
 * parameter), and the tables, columns and logic stay the same. DuckDB's dialect is in
 * duckdb/duckdb-statement-ledger.ts; ClickHouse's would be the next one.
 */

/** What a bound parameter holds: text, a whole number, an exact amount of picodollars, a day or an instant, true or false. */
export type ParameterType = 'text' | 'integer' | 'exact' | 'timestamp' | 'boolean';

/** How a backend spells the few things the ledger's SQL needs. */
export interface StatementSqlDialect {
  /** A YYYY-MM-DD day as a timestamp at midnight UTC. */
  day(literal: string): string;
  /** A bound parameter, 1-based, sent as text (or null) and read as the type named. */
  parameter(index: number, type?: ParameterType): string;
  /** The XOR of a stable hash of a string column over the rows (63 bits of its MD5), 0 for none. */
  xorOfHashes(column: string): string;
  /** Σ of an integer column without overflow, 0 for none. */
  exactSum(column: string): string;
  /** A timestamp column as an ISO text (YYYY-MM-DDTHH:MM:SS.fffZ). */
  isoInstant(column: string): string;
  /** A timestamp column as its YYYY-MM-DD day. */
  dayOf(column: string): string;
}

const statementColumns: Array<[string, ParameterType]> = [
  ['statement_id', 'text'],
  ['period', 'text'],
  ['period_start', 'timestamp'],
  ['period_end', 'timestamp'],
  ['group_by', 'text'],
  ['allocation', 'text'],
  ['fingerprint', 'text'],
  ['calls', 'integer'],
  ['unpriced_calls', 'integer'],
  ['revenue_tracked', 'boolean'],
  ['total_picodollars', 'exact'],
  ['closed_at', 'timestamp'],
];
const lineColumns: Array<[string, ParameterType]> = [
  ['statement_id', 'text'],
  ['line', 'integer'],
  ['kind', 'text'],
  ['group_value', 'text'],
  ['adjusts_statement_id', 'text'],
  ['adjusts_period', 'text'],
  ['calls', 'integer'],
  ['direct_picodollars', 'exact'],
  ['shared_picodollars', 'exact'],
  ['total_picodollars', 'exact'],
  ['revenue_picodollars', 'exact'],
];

/** The closed statements of one grouping tag, oldest period first (parameter 1: the tag). */
export function closedStatementsSql(dialect: StatementSqlDialect): string {
  return `SELECT statement_id, period, ${dialect.dayOf('period_start')} AS period_from, ${dialect.dayOf('period_end')} AS period_to, group_by, allocation,
      fingerprint, calls, unpriced_calls, revenue_tracked, total_picodollars, ${dialect.isoInstant('closed_at')} AS closed_at
    FROM statements WHERE group_by = ${dialect.parameter(1)} ORDER BY period_start, statement_id`;
}

/** The lines of one statement, or the adjustments carried for one (parameter 1: the statement id). */
export function statementLinesSql(dialect: StatementSqlDialect, which: 'of-statement' | 'adjusting-statement'): string {
  const where = which === 'of-statement' ? 'statement_id' : "kind = 'adjustment' AND adjusts_statement_id";
  return `SELECT kind, group_value, adjusts_statement_id, adjusts_period, calls, direct_picodollars, shared_picodollars, total_picodollars, revenue_picodollars
    FROM statement_lines WHERE ${where} = ${dialect.parameter(1)} ORDER BY statement_id, line`;
}

/** A closed statement of the same tag sharing days with [from, to) (parameters: tag, from, to as timestamps). */
export function overlappingStatementSql(dialect: StatementSqlDialect): string {
  return `SELECT statement_id FROM statements
    WHERE group_by = ${dialect.parameter(1)} AND period_start < ${dialect.parameter(3, 'timestamp')} AND ${dialect.parameter(2, 'timestamp')} < period_end
    ORDER BY period_start LIMIT 1`;
}

/** Inserts one statement (its columns in statementColumns' order as parameters). */
export function insertStatementSql(dialect: StatementSqlDialect): string {
  return insertSql(dialect, 'statements', statementColumns);
}

/** Inserts one statement line (its columns in lineColumns' order as parameters). */
export function insertStatementLineSql(dialect: StatementSqlDialect): string {
  return insertSql(dialect, 'statement_lines', lineColumns);
}

/**
 * What the calls and revenue records of [from, to) are: counts, exact cost, and order-free digests of their
 * content hashes. Two scans of one time range; both tables are stored in time order, so they read only it.
 */
export function periodContentsSql(dialect: StatementSqlDialect, range: { from: string; to: string }): string {
  const within = `ts >= ${dialect.day(range.from)} AND ts < ${dialect.day(range.to)}`;
  return `SELECT calls_part.events AS usage_events, calls_part.digest AS usage_digest, calls_part.cost AS cost, calls_part.priced AS priced_events,
      revenue_part.records AS revenue_records, revenue_part.digest AS revenue_digest
    FROM (SELECT count(*) AS events, ${dialect.xorOfHashes('content_hash')} AS digest, ${dialect.exactSum('cost_total')} AS cost, count(cost_total) AS priced
          FROM usage_events WHERE ${within}) AS calls_part,
         (SELECT count(*) AS records, ${dialect.xorOfHashes('content_hash')} AS digest FROM revenue WHERE ${within}) AS revenue_part`;
}

function insertSql(dialect: StatementSqlDialect, table: string, columns: Array<[string, ParameterType]>): string {
  const names = columns.map(([name]) => name).join(', ');
  const values = columns.map(([, type], index) => dialect.parameter(index + 1, type)).join(', ');
  return `INSERT INTO ${table} (${names}) VALUES (${values})`;
}

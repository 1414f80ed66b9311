import type { PeriodContents, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * The statement ledger's queries and how their rows read back, in one place and one shape for every backend:
 * a backend passes its dialect (how it binds a value, spells a stored instant, hashes a column, and which rows
 * a read may see), and the tables, columns and logic stay the same. DuckDB's spelling is in
 * duckdb/duckdb-statement-ledger.ts, ClickHouse's in clickhouse/clickhouse-statement-ledger.ts.
 */

/** What a value in a query holds: text, a whole number, an exact amount of picodollars, a day or an instant, true or false. */
export type ParameterType = 'text' | 'integer' | 'exact' | 'timestamp' | 'boolean';

/** A value as a query carries it: its text (a number's digits, an ISO day or instant, "true"), or null. */
export type SqlValue = string | null;

/** A query and the values bound to it (none for a backend that spells values inline). */
export interface BoundSql {
  sql: string;
  values: SqlValue[];
}

/** How a backend spells what the ledger's SQL needs beyond the shared dialect. */
export interface StatementSqlDialect extends SqlDialect {
  /** A value in a query, read as the type named: bound (pushed onto values, answered with a placeholder) or spelled as a checked literal. */
  bind(values: SqlValue[], value: SqlValue, type: ParameterType): string;
  /** The XOR of a stable hash of a text column over the rows (63 bits of its MD5, the same number on every backend), 0 for none. */
  xorOfHashes(column: string): string;
  /** A stored instant column as ISO text (YYYY-MM-DDTHH:MM:SS.fffZ). */
  isoInstant(column: string): string;
  /** A stored instant column as its YYYY-MM-DD day. */
  dayOf(column: string): string;
  /** The closed statements a read may see: a backend without transactions hides a statement withdrawn after a race. */
  readonly closedStatements: string;
  /** The lines a read may see: only those of a closed statement, so lines written before a crash stopped their header stay hidden. */
  readonly closedLines: string;
}

/** The columns of a statement, in the order statementValues gives them. */
export const statementColumns: ReadonlyArray<readonly [string, ParameterType]> = [
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

/** The columns of a statement line, in the order lineValues gives them. */
export const lineColumns: ReadonlyArray<readonly [string, ParameterType]> = [
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

/** A statement's values in statementColumns' order. */
export function statementValues(statement: StoredStatement): SqlValue[] {
  return [
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
    statement.closedAt,
  ];
}

/** A line's values in lineColumns' order; lines are numbered from 1 in the statement's order. */
export function lineValues(statementId: string, index: number, line: StoredStatementLine): SqlValue[] {
  return [
    statementId,
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
  ];
}

/** Inserts one row of a table by bound values (for a backend that inserts through SQL). */
export function insertQuery(dialect: StatementSqlDialect, table: string, columns: ReadonlyArray<readonly [string, ParameterType]>, row: SqlValue[]): BoundSql {
  const values: SqlValue[] = [];
  const placeholders = columns.map(([, type], index) => dialect.bind(values, row[index] ?? null, type));
  return { sql: `INSERT INTO ${table} (${columns.map(([name]) => name).join(', ')}) VALUES (${placeholders.join(', ')})`, values };
}

// Amounts and instants are read under names no column has: ClickHouse resolves an alias before a column of the same name.
const statementSelect = (dialect: StatementSqlDialect): string =>
  `SELECT statement_id, period, ${dialect.dayOf('period_start')} AS period_from, ${dialect.dayOf('period_end')} AS period_to, group_by, allocation,
      fingerprint, calls, unpriced_calls, revenue_tracked, ${dialect.exactText('total_picodollars')} AS total_text, ${dialect.isoInstant('closed_at')} AS closed_instant`;

/** The closed statements of one grouping tag, or of every tag (null: what `store copy` reads), oldest period first. */
export function closedStatementsQuery(dialect: StatementSqlDialect, groupBy: string | null): BoundSql {
  const values: SqlValue[] = [];
  const where = groupBy === null ? '' : `WHERE group_by = ${dialect.bind(values, groupBy, 'text')} `;
  const sql = `${statementSelect(dialect)}
    FROM ${dialect.closedStatements} AS s ${where}ORDER BY period_start, group_by, statement_id`;
  return { sql, values };
}

/** The lines of one statement, or the adjustments carried (on any statement) for one. */
export function statementLinesQuery(dialect: StatementSqlDialect, which: 'of-statement' | 'adjusting-statement', statementId: string): BoundSql {
  const values: SqlValue[] = [];
  const where = which === 'of-statement' ? 'statement_id' : "kind = 'adjustment' AND adjusts_statement_id";
  const sql = `SELECT kind, group_value, adjusts_statement_id, adjusts_period, calls, ${dialect.exactText('direct_picodollars')} AS direct_text,
      ${dialect.exactText('shared_picodollars')} AS shared_text, ${dialect.exactText('total_picodollars')} AS total_text, ${dialect.exactText('revenue_picodollars')} AS revenue_text
    FROM ${dialect.closedLines} AS l WHERE ${where} = ${dialect.bind(values, statementId, 'text')} ORDER BY statement_id, line`;
  return { sql, values };
}

/** The first closed statement of the same tag sharing days with [from, to), if any. */
export function overlappingStatementQuery(dialect: StatementSqlDialect, statement: Pick<StoredStatement, 'groupBy' | 'from' | 'to'>): BoundSql {
  const values: SqlValue[] = [];
  const tag = dialect.bind(values, statement.groupBy, 'text');
  const to = dialect.bind(values, statement.to, 'timestamp');
  const from = dialect.bind(values, statement.from, 'timestamp');
  const sql = `${statementSelect(dialect)}
    FROM ${dialect.closedStatements} AS s WHERE group_by = ${tag} AND period_start < ${to} AND ${from} < period_end ORDER BY period_start, statement_id LIMIT 1`;
  return { sql, values };
}

/** Two closed periods of one tag overlap when they share a day: [from, to) are whole days, so touching ends do not. */
export function periodsOverlap(a: Pick<StoredStatement, 'from' | 'to'>, b: Pick<StoredStatement, 'from' | 'to'>): boolean {
  return a.from < b.to && b.from < a.to;
}

/**
 * What the calls and the revenue records of the days [from, to) are: counts, exact cost, and order-free digests
 * of their content hashes. Both tables are stored in time order, so each scan reads only the range.
 */
export function periodContentsQueries(dialect: StatementSqlDialect, range: { from: string; to: string }): { calls: BoundSql; revenue: BoundSql } {
  // The day bounds say again what the instants say: ClickHouse skips the months outside them (its partitions are
  // by day's month, and ts_us leads no index), where DuckDB's zone maps on ts already skip them.
  const within = (alias: string) =>
    `${dialect.eventDate(alias)} >= ${dialect.date(range.from)} AND ${dialect.eventDate(alias)} < ${dialect.date(range.to)} ` +
    `AND ${dialect.eventAtOrAfterMs(alias, dayMs(range.from))} AND ${dialect.eventBeforeMs(alias, dayMs(range.to))}`;
  return {
    calls: {
      sql: `SELECT count(*) AS events, ${dialect.xorOfHashes('e.content_hash')} AS digest, ${dialect.exactSumText('e.cost_total')} AS cost_text, count(e.cost_total) AS priced
        FROM ${dialect.table('usage_events', 'e')} WHERE ${within('e')}`,
      values: [],
    },
    revenue: {
      sql: `SELECT count(*) AS records, ${dialect.xorOfHashes('r.content_hash')} AS digest FROM ${dialect.table('revenue', 'r')} WHERE ${within('r')}`,
      values: [],
    },
  };
}

/** The two rows of periodContentsQueries as the ledger's answer. */
export function periodContentsOf(calls: Record<string, unknown>, revenue: Record<string, unknown>): PeriodContents {
  return {
    usageEvents: count(calls.events),
    usageDigest: exact(calls.digest),
    costPicodollars: exact(calls.cost_text),
    pricedEvents: count(calls.priced),
    revenueRecords: count(revenue.records),
    revenueDigest: exact(revenue.digest),
  };
}

/** A row of closedStatementsQuery or overlappingStatementQuery as a statement. */
export function statementOf(row: Record<string, unknown>): StoredStatement {
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
    // DuckDB answers a BOOLEAN, ClickHouse a UInt8.
    revenueTracked: Number(row.revenue_tracked) === 1,
    totalPicodollars: exact(row.total_text),
    closedAt: String(row.closed_instant),
  };
}

/** A row of statementLinesQuery as a line. */
export function lineOf(row: Record<string, unknown>): StoredStatementLine {
  return {
    kind: row.kind === 'adjustment' || row.kind === 'shared' ? row.kind : 'group',
    group: row.group_value === '' ? null : String(row.group_value),
    adjustsStatementId: row.adjusts_statement_id === null || row.adjusts_statement_id === undefined ? null : String(row.adjusts_statement_id),
    adjustsPeriod: row.adjusts_period === null || row.adjusts_period === undefined ? null : String(row.adjusts_period),
    calls: count(row.calls),
    directPicodollars: exact(row.direct_text),
    sharedPicodollars: exact(row.shared_text),
    totalPicodollars: exact(row.total_text),
    revenuePicodollars: row.revenue_text === null || row.revenue_text === undefined ? null : exact(row.revenue_text),
  };
}

/** The first instant of a YYYY-MM-DD day (UTC), in milliseconds; a day is checked so that it never carries SQL. */
export function dayMs(day: string): number {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a day: ${day}`);
  return Date.parse(`${day}T00:00:00Z`);
}

// Counts come back as bigint (DuckDB) or text (ClickHouse's 64-bit integers); amounts as text or bigint.
function count(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

function exact(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value as string | number);
}

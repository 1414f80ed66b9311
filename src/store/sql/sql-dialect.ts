/**
 * How one SQL engine spells what unitcost's queries ask. A query is written once (which columns, which
 * measures, which filters: see reprice-expressions.ts) against this interface, and each backend passes its
 * dialect, so that a fix to what a query asks lands in one place and every backend gets it.
 *
 * The ClickHouse spelling runs on Debian's ClickHouse 18.16 and on current releases: no CTEs, no window
 * functions, no 128-bit integers (Decimal128 with scale 0 instead), no `IS DISTINCT FROM`. docs/clickhouse.md
 * lists what was avoided and why.
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'clickhouse';
  /** An integer expression widened so that products and sums of picodollars cannot overflow (≥ 38 digits). */
  wide(expression: string): string;
  /** A wide integer expression narrowed back to a 64-bit integer column (a single call's cost fits). */
  narrow(expression: string): string;
  /** True when a and b differ, a null and a value counting as different and two nulls as the same. */
  distinct(a: string, b: string): string;
  /** The milliseconds since the epoch of a stored event (alias e): DuckDB stores a TIMESTAMP, ClickHouse microseconds. */
  eventMs(alias: string): string;
  /** The second of the UTC day of a stored event (alias e), 0–86399, for off-peak prices. */
  eventDaySecond(alias: string): string;
  /** A condition that an event (alias e) lies at or after, or before, a millisecond instant given as a number. */
  eventAtOrAfterMs(alias: string, ms: number): string;
  eventBeforeMs(alias: string, ms: number): string;
  /** A condition on an event against a rate row's millisecond bounds (columns of the rate row, not literals). */
  eventAtOrAfterMsColumn(alias: string, column: string): string;
  eventBeforeMsColumn(alias: string, column: string): string;
  /** The microseconds since the epoch of a stored record (alias e), as an integer. */
  eventUs(alias: string): string;
  /** The calendar month of a stored record (alias e), as text 'YYYY-MM'. */
  eventMonth(alias: string): string;
  /** A stored table as a query reads it: ClickHouse's ReplacingMergeTree tables read with FINAL, so raced repeats and older row versions count once. */
  table(name: string, alias: string): string;
  /** A text literal. */
  string(value: string): string;
  /** An exact sum of an integer expression (nulls count 0), as decimal text, which every client reads without rounding. */
  exactSumText(expression: string): string;
}

const sqlInteger = (value: number): string => {
  if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
  return String(value);
};

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  wide: (expression) => `CAST(${expression} AS HUGEINT)`,
  narrow: (expression) => `CAST(${expression} AS BIGINT)`,
  distinct: (a, b) => `${a} IS DISTINCT FROM ${b}`,
  eventMs: (alias) => `epoch_ms(${alias}.ts)`,
  eventDaySecond: (alias) => `CAST(epoch_ms(${alias}.ts) // 1000 % 86400 AS INTEGER)`,
  eventAtOrAfterMs: (alias, ms) => `${alias}.ts >= epoch_ms(${sqlInteger(Math.floor(ms))}::BIGINT)`,
  eventBeforeMs: (alias, ms) => `${alias}.ts < epoch_ms(${sqlInteger(Math.ceil(ms))}::BIGINT)`,
  eventAtOrAfterMsColumn: (alias, column) => `${alias}.ts >= epoch_ms(${column})`,
  eventBeforeMsColumn: (alias, column) => `${alias}.ts < epoch_ms(${column})`,
  eventUs: (alias) => `epoch_us(${alias}.ts)`,
  eventMonth: (alias) => `strftime(${alias}.ts, '%Y-%m')`,
  table: (name, alias) => `${name} ${alias}`,
  string: (value) => `'${value.replace(/'/g, "''")}'`,
  exactSumText: (expression) => `CAST(coalesce(sum(CAST(${expression} AS HUGEINT)), 0) AS VARCHAR)`,
};

export const clickhouseDialect: SqlDialect = {
  name: 'clickhouse',
  wide: (expression) => `toDecimal128(${expression}, 0)`,
  narrow: (expression) => `toInt64(${expression})`,
  // Portable three-valued logic: `a = b` is null when either side is.
  distinct: (a, b) => `NOT ((${a} IS NULL AND ${b} IS NULL) OR (${a} IS NOT NULL AND ${b} IS NOT NULL AND ${a} = ${b}))`,
  eventMs: (alias) => `intDiv(${alias}.ts_us, 1000)`,
  eventDaySecond: (alias) => `toInt32(intDiv(${alias}.ts_us, 1000000) % 86400)`,
  eventAtOrAfterMs: (alias, ms) => `${alias}.ts_us >= ${sqlInteger(Math.floor(ms))} * 1000`,
  eventBeforeMs: (alias, ms) => `${alias}.ts_us < ${sqlInteger(Math.ceil(ms))} * 1000`,
  eventAtOrAfterMsColumn: (alias, column) => `${alias}.ts_us >= ${column} * 1000`,
  eventBeforeMsColumn: (alias, column) => `${alias}.ts_us < ${column} * 1000`,
  eventUs: (alias) => `${alias}.ts_us`,
  eventMonth: (alias) => `substring(toString(${alias}.day), 1, 7)`,
  table: (name, alias) => `${name} AS ${alias} FINAL`,
  string: (value) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`,
  exactSumText: (expression) => `toString(sum(toDecimal128(ifNull(${expression}, 0), 0)))`,
};

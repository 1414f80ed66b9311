/*
 * Query results as each backend's client hands them over — DuckDB: bigint for BIGINT and HUGEINT; ClickHouse:
 * 64-bit integers and exact sums as decimal text — read into one shape, so that a reader written once maps
 * rows from either backend.
 */

/** An exact integer (a sum of tokens or picodollars); null is 0. */
export function exactValue(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value as string | number);
}

/** An exact integer, or null. */
export function optionalExact(value: unknown): bigint | null {
  return value === null || value === undefined ? null : exactValue(value);
}

/** A count; null is 0. */
export function countValue(value: unknown): number {
  return value === null || value === undefined ? 0 : Number(value);
}

/** A text value, or null. */
export function textValue(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

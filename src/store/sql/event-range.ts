import type { TimeRange } from '../event-writer.js';
import type { SqlDialect } from './sql-dialect.js';

/** The condition that a stored event (alias e) lies in a time range [fromMs, toMs); TRUE for an open range. */
export function eventsInRange(dialect: SqlDialect, alias: string, range: TimeRange): string {
  const conditions: string[] = [];
  if (range.fromMs !== undefined) conditions.push(dialect.eventAtOrAfterMs(alias, range.fromMs));
  if (range.toMs !== undefined) conditions.push(dialect.eventBeforeMs(alias, range.toMs));
  return conditions.length === 0 ? '1 = 1' : conditions.join(' AND ');
}

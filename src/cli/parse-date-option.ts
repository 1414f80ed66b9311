import { parseInstant } from '../app/parse-instant.js';

/** Parses a --at/--from/--to value: a date (midnight UTC) or a full ISO timestamp, as every service reads it. */
export function parseDateOption(value: string, flag: string): Date {
  return parseInstant(value, flag);
}

import { UnitcostError } from '../core/unitcost-error.js';

/** Parses an instant given to a service: a date (midnight UTC) or a full ISO timestamp with its zone. */
export function parseInstant(value: string, field: string): Date {
  const isDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const isTimestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const parsed = new Date(isDate ? `${value}T00:00:00Z` : value);
  // A date that rolls over (2026-02-30 → March 2nd) is refused rather than silently moved.
  if ((!isDate && !isTimestamp) || Number.isNaN(parsed.getTime()) || (isDate && !parsed.toISOString().startsWith(value))) {
    throw new UnitcostError('invalid_argument', `${field} must be a date such as 2026-03-01 or a timestamp such as 2026-03-01T12:00:00Z, got "${value}"`, { field });
  }
  return parsed;
}

import { UnitcostError } from '../core/unitcost-error.js';
import type { IngestTotals } from '../app/ingest-service.js';

/** How many refused lines an ingest or import tolerates before it exits 1: a count, or Infinity for "unlimited". */
export type MaxRejects = number;

/** The --max-rejects help line, shared by ingest and import so both read the same. */
export const maxRejectsHelp =
  'exit 1 when more than n lines are refused (rejected, or in conflict with a stored id), so CI notices; the summary is still printed and accepted lines stay stored. "unlimited" never fails';

/** Parses --max-rejects: a whole number from 0 up, or "unlimited". */
export function parseMaxRejects(value: string): MaxRejects {
  if (value === 'unlimited') return Number.POSITIVE_INFINITY;
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isInteger(parsed) || parsed < 0) {
    throw new UnitcostError('invalid_argument', `--max-rejects must be a whole number from 0 up, or "unlimited", got "${value}"`, { field: '--max-rejects' });
  }
  return parsed;
}

/**
 * The message to end with when more lines were refused than allowed, or undefined when within the limit.
 * Conflicts count as refused: their lines were not stored, and a CI job should hear about them too.
 */
export function tooManyRejects(totals: Pick<IngestTotals, 'rejected' | 'conflicts'>, maxRejects: MaxRejects, rejectsPath: string | undefined): string | undefined {
  const refused = totals.rejected + totals.conflicts;
  if (refused <= maxRejects) return undefined;
  const where = rejectsPath ? `; see ${rejectsPath}` : '';
  return `${refused.toLocaleString('en-US')} lines refused, more than --max-rejects ${maxRejects} allows (pass --max-rejects unlimited to accept any)${where}`;
}

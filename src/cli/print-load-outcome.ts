import type { IngestTotals } from '../app/ingest-service.js';
import type { CliContext } from './cli-context.js';
import { tooManyRejects, type MaxRejects } from './max-rejects-option.js';

/** What ingest and import both end with: where the lines went, and where the refused ones are. */
interface LoadOutcome {
  totals: IngestTotals;
  rejectsPath: string | undefined;
}

const count = (value: number): string => value.toLocaleString('en-US');

/** The summary lines ingest and import share: duplicates, conflicts and rejected lines, each explained when there are any. */
export function refusalLines(totals: IngestTotals): string[] {
  return [
    `  duplicates  ${count(totals.duplicates)}${totals.duplicates > 0 ? ' (already stored, unchanged)' : ''}`,
    `  conflicts   ${count(totals.conflicts)}${totals.conflicts > 0 ? ' (an id already stored with other content; the stored record is kept)' : ''}`,
    `  rejected    ${count(totals.rejected)}`,
  ];
}

/**
 * Prints a load's summary (or its JSON with the store's location), then fails the command (exit 1) when it
 * refused more lines than --max-rejects allows, so a CI job notices lost lines; the summary comes first either way.
 */
export function printLoadOutcome<Outcome extends LoadOutcome>(
  context: CliContext,
  outcome: Outcome,
  location: string,
  options: { json?: boolean | undefined; maxRejects: MaxRejects },
  summary: (outcome: Outcome, location: string) => string,
): void {
  if (options.json) context.io.stdout(`${JSON.stringify({ store: location, ...outcome }, null, 2)}\n`);
  else context.io.stdout(summary(outcome, location));
  const refusal = tooManyRejects(outcome.totals, options.maxRejects, outcome.rejectsPath);
  if (refusal) {
    context.io.stderr(`unitcost: ${refusal}\n`);
    context.setExitCode?.(1);
  }
}

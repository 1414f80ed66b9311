/** What an ingest did, summed over its batches (and over its inputs). */
export interface IngestTotals {
  /** Lines read (blank lines and CSV headers included). */
  lines: number;
  /** Records newly stored: calls, outcomes and revenue. */
  accepted: number;
  acceptedCalls: number;
  acceptedOutcomes: number;
  acceptedRevenue: number;
  /** Records already stored with the same content (a re-ingest): nothing changed. */
  duplicates: number;
  /** Records whose id is stored with other content: refused, and written to the reject file. */
  conflicts: number;
  /** Lines refused as invalid, written to the reject file with the field and the reason. */
  rejected: number;
  /** Valid calls whose model has no price (yet): stored without a cost, for `unitcost reprice`. */
  unpriced: number;
}

/** Totals of nothing. */
export function emptyTotals(): IngestTotals {
  return { lines: 0, accepted: 0, acceptedCalls: 0, acceptedOutcomes: 0, acceptedRevenue: 0, duplicates: 0, conflicts: 0, rejected: 0, unpriced: 0 };
}

/** Adds the second totals into the first. */
export function addTotals(into: IngestTotals, more: IngestTotals): void {
  for (const key of Object.keys(into) as Array<keyof IngestTotals>) into[key] += more[key];
}

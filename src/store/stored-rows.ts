/**
 * The rows the store keeps, shared by every backend. The row types are built by the pure core
 * (src/core/events/event-rows.ts) and re-exported here, so stores and their callers name one type.
 * Money is integer picodollars (1e-12 USD) and timestamps are milliseconds since the epoch in UTC.
 */
export type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../core/events/event-rows.js';

/** What an append did with each row: stored, already there unchanged, or refused because the id holds other content. */
export interface AppendOutcome {
  inserted: number;
  duplicates: number;
  /** index: the row's position in what was appended; source: where the refused record came from ("file:line"). */
  conflicts: Array<{ index: number; id: string; reason: string; source?: string | null }>;
  /** The positions of the duplicates, in order; present only when the append was asked for them (AppendOptions). */
  duplicateIndexes?: number[];
}

import type { StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from './stored-rows.js';

/** The kinds of record a store keeps, as `store copy` moves them. */
export type RecordKind = 'usage' | 'outcomes' | 'revenue';

export interface RecordRows {
  usage: StoredUsageRow;
  outcomes: StoredOutcomeRow;
  revenue: StoredRevenueRow;
}

/** What one calendar month (UTC) holds: counts and exact sums, to tell a month fully copied from one that is not. */
export interface MonthTotals {
  /** 'YYYY-MM'. */
  month: string;
  usage: number;
  usageCostPicodollars: bigint;
  outcomes: number;
  revenue: number;
  revenuePicodollars: bigint;
}

/** Where a scan stopped: the last record's timestamp (microseconds) and key; the next page starts after it. */
export interface ScanPosition {
  tsUs: number;
  key: string;
}

/** Reads a store's records back as they were appended, a month and a page at a time (what `unitcost store copy` reads). */
export interface RecordScanner {
  /** Every month holding a record of any kind, in order. */
  monthTotals(): Promise<MonthTotals[]>;
  /** Up to `limit` records of one kind and month after `after`, ordered by (timestamp, key); fewer than limit at the end. */
  scanRecords<Kind extends RecordKind>(kind: Kind, month: string, after: ScanPosition | null, limit: number): Promise<{ rows: Array<RecordRows[Kind]>; last: ScanPosition | null }>;
  /** Every stored price row. */
  storedPrices(): Promise<StoredPriceRow[]>;
}

import type { EventBatch } from '../../store/event-writer.js';
import type { AppendOutcome } from '../../store/stored-rows.js';
import type { MonthTotals, RecordKind, ScanPosition } from '../../store/record-scanner.js';
import type { Store } from '../../store/store.js';
import { copyLedgers, type LedgerCopyResult, type LedgerKind } from './ledger-copy-service.js';

/*
 * `unitcost store copy`: every record of one store into another (DuckDB to ClickHouse or back), a month
 * and a page at a time, so memory stays flat whatever the store's size. Appends are idempotent, which is
 * what makes a copy resumable: a month whose counts and sums already match is skipped, and a month copied
 * half-way is copied again, its stored records counting as duplicates. The check at the end compares
 * each month's counts and exact sums on both sides. Then what is not events: closed statements, API keys and
 * alert state (ledger-copy-service.ts), each by its id, so that a run again writes only what is missing.
 */

export interface StoreCopyOptions {
  /** Records per page read and appended. */
  pageSize?: number;
  onProgress?: (event: StoreCopyProgress) => void;
}

export type StoreCopyProgress =
  | { type: 'month-skipped'; month: string; records: number }
  | { type: 'page'; month: string; kind: RecordKind; copied: number; duplicates: number }
  | { type: 'month-done'; month: string; copied: number; duplicates: number; conflicts: number };

/** A record, statement or key the destination already holds with other content: not copied, since the stored one is kept. */
export interface CopyConflict {
  kind: RecordKind | LedgerKind;
  id: string;
  reason: string;
}

/** A month whose totals differ between the two stores after the copy. */
export interface MonthMismatch {
  month: string;
  source: MonthTotals;
  destination: MonthTotals | null;
}

export interface StoreCopyResult {
  months: number;
  skippedMonths: number;
  copied: Record<RecordKind, number>;
  duplicates: number;
  prices: number;
  conflicts: CopyConflict[];
  /** Closed statements, API keys and alert state; their conflicts are in conflicts too. */
  ledgers: LedgerCopyResult;
  /** The months whose counts or sums differ after the copy; empty when the check passed. */
  mismatches: MonthMismatch[];
  /** Over every month of the source, as summed on each side after the copy. */
  check: { sourceRecords: number; destinationRecords: number; sourceCostPicodollars: bigint; destinationCostPicodollars: bigint };
}

export const defaultCopyPageSize = 20_000;

const kinds: readonly RecordKind[] = ['usage', 'outcomes', 'revenue'];

const sameTotals = (a: MonthTotals, b: MonthTotals | undefined): boolean =>
  b !== undefined && a.usage === b.usage && a.usageCostPicodollars === b.usageCostPicodollars && a.outcomes === b.outcomes && a.revenue === b.revenue && a.revenuePicodollars === b.revenuePicodollars;

const records = (totals: MonthTotals): number => totals.usage + totals.outcomes + totals.revenue;

export async function copyStore(source: Store, destination: Store, options: StoreCopyOptions = {}): Promise<StoreCopyResult> {
  const pageSize = options.pageSize ?? defaultCopyPageSize;
  const prices = await source.storedPrices();
  // Prices first, so that a call is never visible in the destination without the price it was billed at.
  await destination.upsertPrices(prices);
  const sourceMonths = await source.monthTotals();
  const before = new Map((await destination.monthTotals()).map((totals) => [totals.month, totals]));
  const copied: Record<RecordKind, number> = { usage: 0, outcomes: 0, revenue: 0 };
  const conflicts: CopyConflict[] = [];
  let duplicates = 0;
  let skippedMonths = 0;
  for (const month of sourceMonths) {
    if (sameTotals(month, before.get(month.month))) {
      skippedMonths += 1;
      options.onProgress?.({ type: 'month-skipped', month: month.month, records: records(month) });
      continue;
    }
    let monthCopied = 0;
    let monthDuplicates = 0;
    let monthConflicts = 0;
    for (const kind of kinds) {
      let after: ScanPosition | null = null;
      for (;;) {
        const page: { rows: unknown[]; last: ScanPosition | null } = await source.scanRecords(kind, month.month, after, pageSize);
        if (page.rows.length === 0) break;
        const outcome = await destination.appendBatch({ [kind]: page.rows } as EventBatch);
        const appended: AppendOutcome = outcome[kind];
        copied[kind] += appended.inserted;
        monthCopied += appended.inserted;
        duplicates += appended.duplicates;
        monthDuplicates += appended.duplicates;
        monthConflicts += appended.conflicts.length;
        for (const conflict of appended.conflicts) conflicts.push({ kind, id: conflict.id, reason: conflict.reason });
        options.onProgress?.({ type: 'page', month: month.month, kind, copied: appended.inserted, duplicates: appended.duplicates });
        if (page.rows.length < pageSize) break;
        after = page.last;
      }
    }
    options.onProgress?.({ type: 'month-done', month: month.month, copied: monthCopied, duplicates: monthDuplicates, conflicts: monthConflicts });
  }
  const after = new Map((await destination.monthTotals()).map((totals) => [totals.month, totals]));
  const mismatches = sourceMonths.filter((month) => !sameTotals(month, after.get(month.month))).map((month) => ({ month: month.month, source: month, destination: after.get(month.month) ?? null }));
  const sum = (months: ReadonlyArray<MonthTotals | undefined>) => ({
    records: months.reduce((total, month) => total + (month === undefined ? 0 : records(month)), 0),
    cost: months.reduce((total, month) => total + (month?.usageCostPicodollars ?? 0n), 0n),
  });
  // After the events: a statement's fingerprint is of its period's calls, which are in the destination by now.
  const ledgers = await copyLedgers(source, destination);
  conflicts.push(...ledgers.conflicts);
  const sourceSum = sum(sourceMonths);
  const destinationSum = sum(sourceMonths.map((month) => after.get(month.month)));
  return {
    months: sourceMonths.length,
    skippedMonths,
    copied,
    duplicates,
    prices: prices.length,
    conflicts,
    ledgers,
    mismatches,
    check: { sourceRecords: sourceSum.records, destinationRecords: destinationSum.records, sourceCostPicodollars: sourceSum.cost, destinationCostPicodollars: destinationSum.cost },
  };
}

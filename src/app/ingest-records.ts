import { parseEventRecord } from '../core/events/parse-event-record.js';
import { toStoredRow, type RowContext } from '../core/events/to-stored-row.js';
import type { EventBatch, EventWriter } from '../store/event-writer.js';
import type { AppendOutcome, StoredPriceRow } from '../store/stored-rows.js';
import type { BatchResult, IngestCounters, RawRecord, RecordResult } from './server-types.js';

/** One posted batch, validated and priced, waiting for its commit. */
interface ConvertedRecords {
  batch: Required<EventBatch>;
  /** The position in the request of each row, per kind, to put the store's conflicts back on their records. */
  origins: { usage: number[]; outcomes: number[]; revenue: number[] };
  results: RecordResult[];
}

type Kind = 'usage' | 'outcomes' | 'revenue';

/** What a commit says about one request's rows: the positions (in its own rows, per kind) that conflicted, and those already stored. */
interface CommitOutcome {
  conflicts: Record<Kind, AppendOutcome['conflicts']>;
  duplicates: Record<Kind, number[]>;
}

/** Validates and prices a posted batch; bad records get their errors, the others become rows. */
function convertRecords(records: readonly RawRecord[], context: RowContext & { nowMs: number; source: string }): ConvertedRecords {
  const results: RecordResult[] = records.map((record) => ({ index: record.index, ...(record.line === undefined ? {} : { line: record.line }), status: 'accepted' }));
  const batch: Required<EventBatch> = { usage: [], outcomes: [], revenue: [], prices: [] };
  const origins = { usage: [] as number[], outcomes: [] as number[], revenue: [] as number[] };
  const prices = new Map<string, StoredPriceRow>();
  records.forEach((record, position) => {
    if ('error' in record) return reject(results, position, [{ field: '', message: record.error }]);
    const parsed = parseEventRecord(record.value, { nowMs: context.nowMs });
    if (!parsed.ok) return reject(results, position, parsed.errors);
    const converted = toStoredRow(parsed.record, context, context.source);
    if (!converted.ok) return reject(results, position, converted.errors);
    if (converted.type === 'usage') {
      batch.usage.push(converted.row);
      origins.usage.push(position);
      results[position]!.id = converted.row.id;
      if (converted.price !== null && !prices.has(converted.price.priceId)) prices.set(converted.price.priceId, converted.price);
    } else if (converted.type === 'outcome') {
      batch.outcomes.push(converted.row);
      origins.outcomes.push(position);
      results[position]!.id = converted.row.taskId;
    } else {
      batch.revenue.push(converted.row);
      origins.revenue.push(position);
      results[position]!.id = converted.row.id;
    }
  });
  batch.prices = [...prices.values()];
  return { batch, origins, results };
}

function reject(results: RecordResult[], position: number, errors: Array<{ field: string; message: string }>): void {
  results[position]!.status = 'rejected';
  results[position]!.errors = errors;
}

/**
 * Stores posted batches with group commit: batches that arrive while a commit runs wait and are then
 * appended together, in one transaction. A commit costs tens of milliseconds whatever its size on this
 * store, so twenty clients posting 1,000 events each cost about one commit instead of twenty, and each
 * is still answered only once its own records are durable.
 */
export class RecordIngester {
  private pending: Array<{ converted: ConvertedRecords; resolve: (outcome: CommitOutcome) => void; reject: (error: unknown) => void }> = [];
  private scheduled = false;
  /** Totals since start; inserted and duplicates are known per commit, not per request of a group. */
  readonly counters: IngestCounters = { inserted: 0, duplicates: 0, rejected: 0 };

  constructor(
    private readonly writer: EventWriter,
    /** Runs a store task after the ones before it: the server's one write queue. */
    private readonly serialize: <T>(task: () => Promise<T>) => Promise<T>,
    private readonly context: RowContext,
    /** Rows above which a group is cut, to bound one transaction's memory. */
    private readonly maxGroupRows = 100_000,
  ) {}

  /** Validates, prices and stores one batch; resolves after the commit that holds it. */
  async ingest(records: readonly RawRecord[], options: { nowMs: number; source: string }): Promise<BatchResult> {
    const converted = convertRecords(records, { ...this.context, ...options });
    const { batch, origins, results } = converted;
    if (batch.usage.length + batch.outcomes.length + batch.revenue.length > 0) {
      const outcome = await this.commit(converted);
      for (const conflict of outcome.conflicts.usage) reject(results, origins.usage[conflict.index]!, [{ field: 'id', message: conflict.reason }]);
      for (const conflict of outcome.conflicts.outcomes) reject(results, origins.outcomes[conflict.index]!, [{ field: 'task_id', message: conflict.reason }]);
      for (const conflict of outcome.conflicts.revenue) reject(results, origins.revenue[conflict.index]!, [{ field: 'id', message: conflict.reason }]);
      for (const kind of ['usage', 'outcomes', 'revenue'] as const) {
        for (const index of outcome.duplicates[kind]) results[origins[kind][index]!]!.duplicate = true;
      }
    }
    let unpriced = 0;
    batch.usage.forEach((row, index) => {
      if (row.priceId === null && results[origins.usage[index]!]!.status === 'accepted') unpriced += 1;
    });
    const accepted = results.filter((result) => result.status === 'accepted').length;
    const duplicates = results.filter((result) => result.duplicate).length;
    this.counters.rejected += results.length - accepted;
    return { received: records.length, accepted, duplicates, rejected: results.length - accepted, unpriced, results };
  }

  private commit(converted: ConvertedRecords): Promise<CommitOutcome> {
    return new Promise((resolve, reject) => {
      this.pending.push({ converted, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        void this.serialize(() => this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    // Take what has gathered; batches beyond the row cap go to the next commit.
    const group: typeof this.pending = [];
    let rows = 0;
    while (this.pending.length > 0 && (group.length === 0 || rows + rowCount(this.pending[0]!.converted) <= this.maxGroupRows)) {
      const next = this.pending.shift()!;
      rows += rowCount(next.converted);
      group.push(next);
    }
    if (this.pending.length > 0) void this.serialize(() => this.flush());
    else this.scheduled = false;

    const merged: Required<EventBatch> = { usage: [], outcomes: [], revenue: [], prices: [] };
    const prices = new Map<string, StoredPriceRow>();
    const offsets = group.map(({ converted }) => {
      const offset = { usage: merged.usage.length, outcomes: merged.outcomes.length, revenue: merged.revenue.length };
      merged.usage.push(...converted.batch.usage);
      merged.outcomes.push(...converted.batch.outcomes);
      merged.revenue.push(...converted.batch.revenue);
      for (const price of converted.batch.prices) prices.set(price.priceId, price);
      return offset;
    });
    merged.prices = [...prices.values()];
    let outcome;
    try {
      // Duplicates are listed by position, because the group's count alone cannot say whose they were.
      outcome = await this.writer.appendBatch(merged, { listDuplicates: true });
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    this.counters.inserted += outcome.usage.inserted + outcome.outcomes.inserted + outcome.revenue.inserted;
    this.counters.duplicates += outcome.usage.duplicates + outcome.outcomes.duplicates + outcome.revenue.duplicates;
    group.forEach((waiting, member) => {
      const start = (kind: Kind): number => offsets[member]![kind];
      const end = (kind: Kind): number => start(kind) + waiting.converted.batch[kind].length;
      const own = (kind: Kind): AppendOutcome['conflicts'] =>
        outcome[kind].conflicts.filter((conflict) => conflict.index >= start(kind) && conflict.index < end(kind)).map((conflict) => ({ ...conflict, index: conflict.index - start(kind) }));
      const ownDuplicates = (kind: Kind): number[] => (outcome[kind].duplicateIndexes ?? []).filter((index) => index >= start(kind) && index < end(kind)).map((index) => index - start(kind));
      waiting.resolve({
        conflicts: { usage: own('usage'), outcomes: own('outcomes'), revenue: own('revenue') },
        duplicates: { usage: ownDuplicates('usage'), outcomes: ownDuplicates('outcomes'), revenue: ownDuplicates('revenue') },
      });
    });
  }
}

function rowCount(converted: ConvertedRecords): number {
  return converted.batch.usage.length + converted.batch.outcomes.length + converted.batch.revenue.length;
}

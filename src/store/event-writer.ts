import type { Rates } from '../core/catalog/rate-card.js';
import type { EncodedRows } from './encoded-rows.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from './stored-rows.js';

/** Records of every kind read from one stretch of input, stored together or not at all. */
export interface EventBatch {
  usage?: StoredUsageRow[];
  outcomes?: StoredOutcomeRow[];
  revenue?: StoredRevenueRow[];
  /** The prices the usage rows were billed at; stored before them, replacing a price row with the same id. */
  prices?: StoredPriceRow[];
}

/** The kinds of record a batch holds, each with its own key: usage and revenue ids, the outcomes' task ids. */
export type RecordKind = 'usage' | 'outcomes' | 'revenue';

/**
 * The keys a writer files stored records under, held in memory. A key is 63 bits, given as two 32-bit halves
 * (high, then low as a signed integer), so that a caller can compute them once and keep them in typed arrays.
 */
export interface StoredRecordKeys {
  /** Writes the key of a record of this kind and id at halves[at] and halves[at + 1]. */
  keyOf(kind: RecordKind, id: string, halves: Int32Array, at: number): void;
  /**
   * Whether any of these keys (pairs of halves) may be stored: false is certain; true may be wrong, and is the
   * answer while the keys are not in memory. Records of commits still running are not counted.
   */
  mayHoldAny(halves: Int32Array): boolean;
}

/** What an append should report beyond its counts. */
export interface AppendOptions {
  /**
   * List the positions of the duplicates (AppendOutcome.duplicateIndexes), for a caller that answers per
   * record, such as the HTTP batches committed together; off by default, as a re-ingest of a large file
   * would read back an index per row for nothing.
   */
  listDuplicates?: boolean;
}

/** What one batch did, per kind of record. */
export interface BatchOutcome {
  usage: AppendOutcome;
  outcomes: AppendOutcome;
  revenue: AppendOutcome;
}

/** How much the store holds; costs summed exactly. */
export interface StoreCounts {
  usageEvents: number;
  unpricedEvents: number;
  outcomes: number;
  revenue: number;
  prices: number;
  /** The sum of every priced call's cost_total, in picodollars, summed without loss. */
  costTotalPicodollars: bigint;
}

/** A stretch of time, in milliseconds since the epoch: from inclusive, to exclusive; either side may be open. */
export interface TimeRange {
  fromMs?: number;
  toMs?: number;
}

/** The calls of one stored (provider, model) pair in a time range: what reprice resolves prices for. */
export interface PricingGroup {
  provider: string | null;
  model: string;
  calls: number;
  firstMs: number;
  lastMs: number;
}

/**
 * The price of one stored (provider, model) pair over a stretch of time, a stretch of each day (for
 * off-peak prices) and a band of input size (for long-context tiers), or why it has none.
 */
export interface RateAssignment {
  provider: string | null;
  model: string;
  /** [fromMs, toMs) in milliseconds since the epoch. */
  fromMs: number;
  toMs: number;
  /** [daySecondFrom, daySecondTo) in seconds after midnight UTC; 0 and 86400 for the whole day. */
  daySecondFrom: number;
  daySecondTo: number;
  /** The band applies when inputAbove < input_tokens ≤ inputAtMost. */
  inputAbove: number;
  inputAtMost: number;
  price: { priceId: string; pricedProvider: string; pricedModel: string; rates: Rates } | null;
  /** Why the calls stay unpriced, when price is null. */
  unpricedReason: string | null;
}

/** What reprice moved for one stored (provider, model) pair. */
export interface RepricedModel {
  provider: string | null;
  model: string;
  calls: number;
  /** Calls whose total cost changed, newly priced ones included. */
  repriced: number;
  newlyPriced: number;
  newlyUnpriced: number;
  unpricedAfter: number;
  oldTotalPicodollars: bigint;
  newTotalPicodollars: bigint;
}

/** Records staged for one transaction, added a part at a time so that a large batch never sits in memory as objects. */
export interface OpenBatch {
  /** Stages records; nothing is visible or durable until commit. Conflict indexes count across every part added. */
  add(records: EventBatch): Promise<void>;
  /** How many records have been added, per kind. */
  readonly added: { usage: number; outcomes: number; revenue: number };
  /** Stores everything added in one transaction: after it returns, all of it is durable; after a crash before, none of it is there. */
  commit(): Promise<BatchOutcome>;
  /** Drops what was added without storing it. */
  abandon(): Promise<void>;
  /**
   * Stages rows a conversion worker encoded as columns (encoded-rows.ts), as add does with rows; only a
   * writer whose acceptsEncodedRows is true has it.
   */
  addEncoded?(encoded: EncodedRows, prices: readonly StoredPriceRow[]): Promise<void>;
}

/**
 * How records get into a store. Appends are idempotent: a row whose id is already stored with the same
 * content is a duplicate and changes nothing; one whose id is stored with other content is a conflict,
 * reported and refused, and the stored row is kept.
 */
export interface EventWriter {
  /** Stores a batch of every kind of record in one transaction: after it returns, all of it is durable; after a crash before, none of it is there. */
  appendBatch(batch: EventBatch, options?: AppendOptions): Promise<BatchOutcome>;
  /**
   * Opens a batch to fill in parts and commit as one transaction. A backend may let the next batch be
   * filled while the previous one commits; at most two batches are open at once.
   */
  openBatch(options?: AppendOptions): Promise<OpenBatch>;
  /** Whether its open batches take rows encoded as columns (OpenBatch.addEncoded). */
  readonly acceptsEncodedRows?: boolean;
  /**
   * Runs a bulk load of batches (ingest of files), the store set up for it while it runs and as before after:
   * for a backend with settings that suit bulk loads.
   */
  duringBulkLoad?<Result>(load: () => Promise<Result>): Promise<Result>;
  /**
   * For a writer that keeps its stored record keys in memory (a DuckDB store opened for small commits): asks
   * whether records may already be stored without a query (record-key.ts).
   */
  readonly storedKeys?: StoredRecordKeys;
  /** Stores usage rows (idempotent by id). */
  appendUsage(rows: StoredUsageRow[]): Promise<AppendOutcome>;
  /** Stores task outcomes (idempotent by task id: a task ends once). */
  appendOutcomes(rows: StoredOutcomeRow[]): Promise<AppendOutcome>;
  /** Stores revenue rows (idempotent by id). */
  appendRevenue(rows: StoredRevenueRow[]): Promise<AppendOutcome>;
  /** Stores price rows, replacing any with the same price id. */
  upsertPrices(rows: StoredPriceRow[]): Promise<void>;
  /** How much the store holds. */
  counts(): Promise<StoreCounts>;
  /** The distinct (provider, model) pairs of the calls in a range, for reprice to resolve. */
  pricingGroups(range: TimeRange): Promise<PricingGroup[]>;
  /**
   * Recomputes the cost of every call in the range from its token counts and the assignment that covers
   * it (calls no assignment covers are left alone), stores the new price rows, and says what moved; all
   * in one transaction.
   */
  applyRates(range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]>;
}

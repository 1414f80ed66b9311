import type { DuckDBConnection } from '@duckdb/node-api';
import { inTransaction } from './duckdb-database.js';
import type { AppendOptions, BatchOutcome, RecordKind, StoredRecordKeys, EventBatch, EventWriter, OpenBatch, PricingGroup, RateAssignment, RepricedModel, StoreCounts, TimeRange } from '../event-writer.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { stagingSet, type StagingSet } from './duckdb-event-columns.js';
import { DuckdbOpenBatch, type BatchHost } from './duckdb-open-batch.js';
import { writePriceRows } from './duckdb-price-rows.js';
import { applyRates, pricingGroups } from './duckdb-repricer.js';
import { stagingCatalog } from './duckdb-staging.js';
import { writeRecordKeyHalves } from './duckdb-record-keys.js';
import { StoredKeyFilter } from './record-key-filter.js';

/** Two staging sets: one batch fills while the previous one commits. */
const maximumOpenBatches = 2;

/** DuckDB's row group: the rows a checkpoint compresses and writes as one unit. */
export const rowGroupRows = 122_880;

/**
 * The DuckDB EventWriter. Batches are staged through data chunks on a second connection (see
 * duckdb-staging.ts), then checked against stored rows and copied in by SQL, one transaction each.
 */
export class DuckdbEventWriter implements EventWriter {
  private readonly idle: StagingSet[];
  private readonly waiting: Array<(set: StagingSet) => void> = [];
  private queue: Promise<unknown> = Promise.resolve();
  private readonly host: BatchHost;
  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly stagingConnection: DuckDBConnection,
    private readonly checkpointRows: number,
    stagingSets: StagingSet[],
    /** Rows per table: those stored when the writer opened, and every commit's since (see committed). */
    private readonly storedRows: { usage: number; outcomes: number; revenue: number },
    keyFilter: boolean,
  ) {
    this.idle = [...stagingSets].reverse();
    this.host = {
      connection,
      stagingConnection,
      serialize: (work) => this.serialize(work),
      release: (set) => this.release(set),
      pricesWritten: new Map(),
      committed: (rows) => this.committed(rows),
      ...(keyFilter ? { keyFilter: new StoredKeyFilter(connection) } : {}),
    };
  }

  /**
   * Attaches the in-memory staging database (it vanishes with the process, so a crash leaves nothing behind)
   * and creates every staging set's tables, before any batch can open. Created when a second batch first
   * opened, as until 2026-12-05, their CREATE ran on the staging connection while the first batch's commit
   * flushed its appenders on that connection, and DuckDB now and then failed the flush ("unsuccessful or
   * closed pending query result"): HTTP ingest answered 500 for a group early in a server's life. Nothing
   * else runs a statement on the staging connection; appenders and their flushes are synchronous.
   */
  static async create(
    connection: DuckDBConnection,
    stagingConnection: DuckDBConnection,
    checkpointRows = rowGroupRows,
    /** For a writer of many small commits (a server, a gateway): keep record_keys in a filter in memory (record-key-filter.ts). */
    keyFilter = false,
  ): Promise<DuckdbEventWriter> {
    await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${stagingCatalog}`);
    const sets = Array.from({ length: maximumOpenBatches }, (_, index) => stagingSet(index + 1));
    await stagingConnection.run(sets.flatMap((set) => set.createSql).join(';\n'));
    const counts = await connection.runAndReadAll('SELECT (SELECT count(*) FROM usage_events), (SELECT count(*) FROM task_outcomes), (SELECT count(*) FROM revenue)');
    const [usage, outcomes, revenue] = counts.getRows()[0]!.map(Number) as [number, number, number];
    const writer = new DuckdbEventWriter(connection, stagingConnection, checkpointRows, sets, { usage, outcomes, revenue }, keyFilter);
    // Built now, first in the writer's queue, rather than by the first commit (~3.5 s for 10M keys): a
    // failure leaves it to the first commit to build.
    const filter = writer.host.keyFilter;
    if (filter) void writer.serialize(() => filter.prepare()).catch(() => undefined);
    return writer;
  }

  /** What the record-key filter did (record-key-filter.ts), when this writer keeps one. */
  recordKeyChecks(): StoredKeyFilter['stats'] | undefined {
    return this.host.keyFilter ? { ...this.host.keyFilter.stats } : undefined;
  }

  /** The key filter in memory, for a writer that keeps one (event-writer.ts's StoredRecordKeys). */
  get storedKeys(): StoredRecordKeys | undefined {
    const filter = this.host.keyFilter;
    if (filter === undefined) return undefined;
    return { keyOf: (kind, id, halves, at) => writeRecordKeyHalves(tableOfKind[kind], id, halves, at), mayHoldAny: (halves) => filter.mayHoldAny(halves) };
  }

  /** Resolves once every commit and checkpoint queued so far has run: the store waits for it before closing. */
  async settle(): Promise<void> {
    await this.queue;
  }

  /** Closes the staging connection (the store closes the other). */
  close(): void {
    this.stagingConnection.closeSync();
  }

  readonly acceptsEncodedRows = true;

  async openBatch(options: AppendOptions = {}): Promise<OpenBatch> {
    return new DuckdbOpenBatch(this.host, await this.acquire(), options.listDuplicates === true);
  }

  async appendBatch(batch: EventBatch, options: AppendOptions = {}): Promise<BatchOutcome> {
    const open = await this.openBatch(options);
    try {
      await open.add(batch);
    } catch (error) {
      await open.abandon();
      throw error;
    }
    return open.commit();
  }

  private async acquire(): Promise<StagingSet> {
    const free = this.idle.pop();
    if (free) return free;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async release(set: StagingSet): Promise<void> {
    // One call for the four statements: each call waits for the JavaScript thread (transactionInOneCall).
    await this.serialize(() => this.connection.run(set.clearSql.join(';\n')));
    const next = this.waiting.shift();
    if (next) next(set);
    else this.idle.push(set);
  }

  /*
   * Checkpoints by row group, after the commit rather than inside it. A commit smaller than a row group goes
   * through the write-ahead log, and DuckDB checkpoints when the log passes checkpoint_threshold; each
   * checkpoint compresses and rewrites the table's last, partly filled row group. With 8,000-row group commits
   * (HTTP ingest) the 16 MB threshold that suits whole-row-group batches fired every ~48,000 rows, each
   * usage_events row group was written about three times, and the checkpoint (0.3–1.6 s) ran inside the
   * COMMIT of the group that crossed it, so its requests waited for it. Now the store's threshold is a safety
   * net (duckdb-store.ts), and the writer asks for a checkpoint once a row group's worth of rows has been
   * committed to a table, as the next task of its queue: the commit's callers are answered first (their rows
   * are durable in the log once COMMIT returns), and the next batch stages while the checkpoint runs.
   * "A row group's worth" is counted from the table's row-group boundaries, not from the last checkpoint: the
   * checkpoint then finds the last row group just filled, where one every 122,880 rows since the last left a
   * partial row group of any size behind, which the next checkpoint compressed again (by hand, small commits of
   * 4,000 rows: 10-20% less checkpoint CPU; BENCHMARKS.md "Ingest").
   */
  private committed(rows: { usage: number; outcomes: number; revenue: number }): void {
    const stored = this.storedRows;
    const crosses = (before: number, added: number): boolean => Math.floor((before + added) / this.checkpointRows) > Math.floor(before / this.checkpointRows);
    const due = crosses(stored.usage, rows.usage) || crosses(stored.outcomes, rows.outcomes) || crosses(stored.revenue, rows.revenue);
    stored.usage += rows.usage;
    stored.outcomes += rows.outcomes;
    stored.revenue += rows.revenue;
    if (!due) return;
    // A checkpoint that cannot run now (another connection's write transaction) loses nothing: the log
    // keeps the rows, the threshold or the next row group checkpoints them.
    void this.serialize(() => this.connection.run('CHECKPOINT')).catch(() => undefined);
  }

  private serialize<Result>(work: () => Promise<Result>): Promise<Result> {
    const result = this.queue.then(work);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async appendUsage(rows: StoredUsageRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ usage: rows })).usage;
  }

  async appendOutcomes(rows: StoredOutcomeRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ outcomes: rows })).outcomes;
  }

  async appendRevenue(rows: StoredRevenueRow[]): Promise<AppendOutcome> {
    return (await this.appendBatch({ revenue: rows })).revenue;
  }

  async upsertPrices(rows: StoredPriceRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.serialize(async () => {
      // A row replaced here may be one a batch wrote: the next batch that carries it writes it again.
      this.host.pricesWritten.clear();
      await inTransaction(this.connection, () => writePriceRows(this.connection, rows));
    });
  }

  async counts(): Promise<StoreCounts> {
    const result = await this.serialize(() =>
      this.connection.runAndReadAll(`SELECT
        (SELECT count(*) FROM usage_events) AS usage_events,
        (SELECT count(*) FROM usage_events WHERE cost_total IS NULL) AS unpriced_events,
        (SELECT count(*) FROM task_outcomes) AS outcomes,
        (SELECT count(*) FROM revenue) AS revenue,
        (SELECT count(*) FROM prices) AS prices,
        (SELECT coalesce(sum(CAST(cost_total AS HUGEINT)), 0::HUGEINT) FROM usage_events) AS cost_total`),
    );
    const row = result.getRowObjects()[0]!;
    return {
      usageEvents: Number(row.usage_events),
      unpricedEvents: Number(row.unpriced_events),
      outcomes: Number(row.outcomes),
      revenue: Number(row.revenue),
      prices: Number(row.prices),
      costTotalPicodollars: BigInt(row.cost_total as bigint),
    };
  }

  async pricingGroups(range: TimeRange): Promise<PricingGroup[]> {
    return this.serialize(() => pricingGroups(this.connection, range));
  }

  async applyRates(range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]> {
    return this.serialize(() => {
      this.host.pricesWritten.clear();
      return applyRates(this.connection, range, assignments, prices);
    });
  }
}

const tableOfKind: Record<RecordKind, 'usage_events' | 'task_outcomes' | 'revenue'> = { usage: 'usage_events', outcomes: 'task_outcomes', revenue: 'revenue' };

import { availableParallelism } from 'node:os';
import type { AppendOptions, BatchOutcome, StoredRecordKeys, EventBatch, OpenBatch, PricingGroup, RateAssignment, RepricedModel, StoreCounts, TimeRange } from '../event-writer.js';
import type { KpiAggregates, KpiQuery, ReportAggregates, ReportQuery, ReportReader, SpendSeriesQuery, SpendSeriesRow, UserEconomics, UserEconomicsQuery } from '../report-reader.js';
import type { Store } from '../store.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { openDuckdbDatabase, type DuckdbDatabase } from './duckdb-database.js';
import { DuckdbEventWriter } from './duckdb-event-writer.js';
import { createDuckdbReportReader } from './report-duckdb-reader.js';
import { refreshReportSummaries } from './report-summaries.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import { featureProfiles, replayAggregates } from './simulate-replay.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import { gatewayEffects, gatewayPricedModels } from './gateway-effects-sql.js';
import type { CloseConflict, PeriodContents, StatementLedger, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import { createDuckdbStatementLedger } from './duckdb-statement-ledger.js';
import type { ApiKeyTable } from '../api-key-table.js';
import { createDuckdbApiKeyTable } from './duckdb-api-keys.js';
import { DuckdbAlertState } from './duckdb-alert-state.js';

import type { RecordedProviderDay } from '../reconcile-reader.js';
import { createDuckdbReconcileReader } from './reconcile-sql.js';
import type { MonthTotals, RecordKind, RecordRows, ScanPosition } from '../record-scanner.js';
import { foldMonthTotals, lastPosition, monthTotalsSql, priceFromRow, recordFromRow, scanSql, storedPricesSql } from '../sql/record-scan-queries.js';
import { duckdbDialect } from '../sql/sql-dialect.js';
import { rowsOf } from './report-rows.js';
import type { FocusExportOutcome, FocusExportRun } from '../focus-exporter.js';
import { exportFocus, focusPricedModels } from './focus-export.js';

const checkpointThreshold = '128MB';

/** The embedded store: one DuckDB file holding events, prices, outcomes and revenue. */
export class DuckdbStore implements Store {
  private constructor(
    readonly database: DuckdbDatabase,
    private readonly writer: DuckdbEventWriter,
    private readonly reader: ReportReader,
  ) {}

  /**
   * Opens (or creates) the store file and brings its schema up to date. memoryLimit caps DuckDB's buffer
   * pool (default: 80% of the machine's memory); ingest passes a few hundred MB to stay within its budget.
   * checkpointRows (default: a row group) is how many committed rows of a table call for a checkpoint; tests lower it.
   */
  static async open(
    path: string,
    options: {
      threads?: number;
      memoryLimit?: string;
      checkpointRows?: number;
      /** For a store written in many small commits (serve, the gateway): keep a filter of record keys in memory (record-key-filter.ts). */
      recordKeyFilter?: boolean;
    } = {},
  ): Promise<DuckdbStore> {
    const { checkpointRows, recordKeyFilter, ...databaseOptions } = options;
    const database = await openDuckdbDatabase(path, databaseOptions);
    try {
      // Committed rows stay in memory until a checkpoint writes them to the file, so the checkpoint
      // threshold bounds memory: at 256 MB of log, un-checkpointed rows took 215 MB. The event writer
      // checkpoints once a row group's worth of rows is committed (duckdb-event-writer.ts), which compresses
      // each row group once; a row group of usage events, with the outcomes that come with them, is ~56 MB of
      // log in 8,000-row commits, so the threshold sits well above it (16 MB fired every ~48,000 rows) and only
      // catches the other writes.
      await database.connection.run(`SET checkpoint_threshold = '${checkpointThreshold}'`);
      const writer = await DuckdbEventWriter.create(database.connection, await database.instance.connect(), checkpointRows, recordKeyFilter === true);
      return new DuckdbStore(database, writer, createDuckdbReportReader(database.connection));
    } catch (error) {
      database.close();
      throw error;
    }
  }

  /** What the record-key filter of a store opened for small commits did: filter builds, and commits that skipped or made the scan of record_keys. */
  recordKeyChecks(): { builds: number; skipped: number; scanned: number } | undefined {
    return this.writer.recordKeyChecks();
  }

  get storedKeys(): StoredRecordKeys | undefined {
    return this.writer.storedKeys;
  }

  get location(): string {
    return this.database.path;
  }

  /** Nothing: the first read after a write refreshes the summaries (report-summaries.ts), and `serve` warms them once ingest pauses. */
  async prepareReads(): Promise<void> {}

  async close(): Promise<void> {
    // A checkpoint queued after the last commit runs first: closing under it would cut it short.
    await this.writer.settle();
    this.writer.close();
    this.database.close();
  }

  apiKeyTable(): ApiKeyTable {
    return createDuckdbApiKeyTable(this.database.connection);
  }

  openAlertState(): Promise<DuckdbAlertState> {
    return DuckdbAlertState.open(this.database);
  }

  appendBatch(batch: EventBatch, options?: AppendOptions): Promise<BatchOutcome> {
    return this.writer.appendBatch(batch, options);
  }

  readonly acceptsEncodedRows = true;

  /**
   * A bulk load runs with fewer DuckDB threads: its JavaScript (reading and staging, and the conversion worker)
   * keeps two cores busy, and DuckDB's other threads then mostly wait for tasks, spinning. On 2 cores, one
   * thread instead of two cost 0.91x the CPU and 0.87x the wall time of an ingest of 1M records (farm-bench,
   * BENCHMARKS.md "Ingest"). The setting is restored afterwards, for the summaries' refresh and the reads.
   */
  async duringBulkLoad<Result>(load: () => Promise<Result>): Promise<Result> {
    const connection = this.database.connection;
    const current = Number((await connection.runAndReadAll("SELECT current_setting('threads')")).getRows()[0]![0]);
    const bulk = Math.min(current, bulkLoadThreads(availableParallelism()));
    if (bulk === current) return load();
    await connection.run(`SET threads = ${bulk}`);
    try {
      return await load();
    } finally {
      // The last batch's checkpoint may still be queued: it runs with the threads the load had.
      await this.writer.settle();
      await connection.run(`SET threads = ${current}`);
    }
  }

  openBatch(options?: AppendOptions): Promise<OpenBatch> {
    return this.writer.openBatch(options);
  }

  appendUsage(rows: StoredUsageRow[]): Promise<AppendOutcome> {
    return this.writer.appendUsage(rows);
  }

  appendOutcomes(rows: StoredOutcomeRow[]): Promise<AppendOutcome> {
    return this.writer.appendOutcomes(rows);
  }

  appendRevenue(rows: StoredRevenueRow[]): Promise<AppendOutcome> {
    return this.writer.appendRevenue(rows);
  }

  upsertPrices(rows: StoredPriceRow[]): Promise<void> {
    return this.writer.upsertPrices(rows);
  }

  counts(): Promise<StoreCounts> {
    return this.writer.counts();
  }

  pricingGroups(range: TimeRange): Promise<PricingGroup[]> {
    return this.writer.pricingGroups(range);
  }

  async applyRates(range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]> {
    const moved = await this.writer.applyRates(range, assignments, prices);
    // Appends are found by the report summaries themselves (per-day counts); changed costs are not, so say which days changed.
    if (moved.some((model) => model.repriced > 0)) await refreshReportSummaries(this.database.connection, range);
    return moved;
  }

  report(query: ReportQuery): Promise<ReportAggregates> {
    return this.reader.report(query);
  }

  kpis(query: KpiQuery): Promise<KpiAggregates> {
    return this.reader.kpis(query);
  }

  userEconomics(query: UserEconomicsQuery): Promise<UserEconomics[]> {
    return this.reader.userEconomics(query);
  }

  spendSeries(query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
    return this.reader.spendSeries(query);
  }

  /** Replays on a connection of its own: its staged rate tables are temporary, and ingest keeps its connection. */
  async replay(query: ReplayQuery): Promise<SimulationGroupRow[]> {
    const connection = await this.database.instance.connect();
    try {
      return await replayAggregates(connection, query);
    } finally {
      connection.closeSync();
    }
  }

  featureProfiles(range: TimeRange): Promise<FeatureTrafficProfile[]> {
    return featureProfiles(this.database.connection, range);
  }

  gatewayPricedModels(range: TimeRange, cascadeTargets: CascadeTarget[]): Promise<GatewayPricedModels> {
    return gatewayPricedModels(this.database.connection, range, cascadeTargets);
  }

  gatewayEffects(query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
    return gatewayEffects(this.database.connection, query);
  }

  recordedByProviderDay(query: { provider: string; range: TimeRange }): Promise<RecordedProviderDay[]> {
    return createDuckdbReconcileReader(this.database.connection).recordedByProviderDay(query);
  }

  private get ledger(): StatementLedger {
    return createDuckdbStatementLedger(this.database.connection);
  }

  closedStatements(groupBy: string): Promise<StoredStatement[]> {
    return this.ledger.closedStatements(groupBy);
  }

  allClosedStatements(): Promise<StoredStatement[]> {
    return this.ledger.allClosedStatements();
  }

  statementLines(statementId: string): Promise<StoredStatementLine[]> {
    return this.ledger.statementLines(statementId);
  }

  carriedAdjustments(adjustedStatementId: string): Promise<StoredStatementLine[]> {
    return this.ledger.carriedAdjustments(adjustedStatementId);
  }

  closeStatement(statement: StoredStatement, lines: StoredStatementLine[]): Promise<{ closed: true } | CloseConflict> {
    return this.ledger.closeStatement(statement, lines);
  }

  periodContents(range: { from: string; to: string }): Promise<PeriodContents> {
    return this.ledger.periodContents(range);
  }

  async monthTotals(): Promise<MonthTotals[]> {
    return foldMonthTotals(await rowsOf(this.database.connection, { sql: monthTotalsSql(duckdbDialect), values: {} }));
  }

  async scanRecords<Kind extends RecordKind>(kind: Kind, month: string, after: ScanPosition | null, limit: number): Promise<{ rows: Array<RecordRows[Kind]>; last: ScanPosition | null }> {
    const rows = await rowsOf(this.database.connection, { sql: scanSql(duckdbDialect, kind, month, after, limit), values: {} });
    return { rows: rows.map((row) => recordFromRow(kind, row)), last: lastPosition(kind, rows) };
  }

  async storedPrices(): Promise<StoredPriceRow[]> {
    return (await rowsOf(this.database.connection, { sql: storedPricesSql(duckdbDialect), values: {} })).map(priceFromRow);
  }

  focusPricedModels(range: { fromMs: number; toMs: number }): Promise<PricingGroup[]> {
    return focusPricedModels(this.database, range.fromMs, range.toMs);
  }

  exportFocus(run: FocusExportRun, progress?: (step: string) => void): Promise<FocusExportOutcome> {
    return exportFocus(this.database, run, progress);
  }
}

/** DuckDB's threads during a bulk load on a machine of `cores`: what the load's two JavaScript threads leave, at least one. */
export function bulkLoadThreads(cores: number): number {
  return Math.max(1, cores - 2);
}

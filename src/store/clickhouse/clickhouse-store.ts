import { UnitcostError } from '../../core/unitcost-error.js';
import type { AppendOptions, BatchOutcome, EventBatch, OpenBatch, PricingGroup, RateAssignment, RepricedModel, StoreCounts, TimeRange } from '../event-writer.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import type { RecordedProviderDay } from '../reconcile-reader.js';
import type { KpiAggregates, KpiQuery, ReportAggregates, ReportQuery, SpendSeriesQuery, SpendSeriesRow, UserEconomics, UserEconomicsQuery } from '../report-reader.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import type { CloseConflict, PeriodContents, StatementLedger, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import type { ApiKeyTable } from '../api-key-table.js';
import type { Store } from '../store.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { ClickhouseConnection, type ClickhouseSettings } from './clickhouse-connection.js';
import { ClickhouseEventWriter } from './clickhouse-event-writer.js';
import { clickhouseReportBackend } from './clickhouse-report-reader.js';
import { refreshClickhouseSummaries } from './clickhouse-report-summaries.js';
import { migrateClickhouse } from './clickhouse-schema.js';
import { assembleKpis, assembleReport, assembleUserEconomics } from '../report-assembly.js';
import { clickhouseFeatureProfiles, clickhouseReplay } from './clickhouse-simulate.js';
import { ClickhouseAlertState } from './clickhouse-alert-state.js';
import { createClickhouseApiKeyTable } from './clickhouse-api-keys.js';
import { createClickhouseStatementLedger } from './clickhouse-statement-ledger.js';
import type { MonthTotals, RecordKind, RecordRows, ScanPosition } from '../record-scanner.js';
import { foldMonthTotals, lastPosition, monthTotalsSql, priceFromRow, recordFromRow, scanSql, storedPricesSql } from '../sql/record-scan-queries.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import { readGatewayEffects, readGatewayPricedModels } from '../sql/gateway-effects-queries.js';
import { recordedByProviderDaySql, recordedProviderDay } from '../sql/reconcile-queries.js';
import { spendSeriesEventsSql, spendSeriesRow } from '../sql/spend-series-queries.js';
import type { FocusExportOutcome, FocusExportRun } from '../focus-exporter.js';
import { clickhouseExportFocus, clickhouseFocusPricedModels } from './clickhouse-focus-export.js';

/** What the ClickHouse backend does not answer yet; every such call says so instead of answering wrong. */
function notYet(what: string): never {
  throw new UnitcostError('not_implemented', `${what} does not run on the ClickHouse store yet (issue 14); use the DuckDB store for it (store.backend: duckdb)`);
}

/** The distributed store: events in a ClickHouse database, for many writers and stores past one machine (docs/clickhouse.md). */
export class ClickhouseStore implements Store {
  private constructor(
    readonly connection: ClickhouseConnection,
    private readonly writer: ClickhouseEventWriter,
  ) {}

  /** Connects, creates the database if needed and brings its schema up to date; fails naming the setting to fix. */
  static async open(settings: ClickhouseSettings): Promise<ClickhouseStore> {
    const connection = await ClickhouseConnection.open(settings);
    try {
      await migrateClickhouse(connection);
      return new ClickhouseStore(connection, new ClickhouseEventWriter(connection));
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  get location(): string {
    return `clickhouse:${this.connection.settings.url}/${this.connection.settings.database}`;
  }

  /** Refreshes the report summaries now (clickhouse-report-summaries.ts), rather than leave them to the first report or KPI read after the writes. */
  async prepareReads(): Promise<void> {
    await refreshClickhouseSummaries(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  appendBatch(batch: EventBatch, options?: AppendOptions): Promise<BatchOutcome> {
    return this.writer.appendBatch(batch, options);
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

  applyRates(range: TimeRange, assignments: RateAssignment[], prices: StoredPriceRow[]): Promise<RepricedModel[]> {
    return this.writer.applyRates(range, assignments, prices);
  }

  report(query: ReportQuery): Promise<ReportAggregates> {
    return assembleReport(clickhouseReportBackend(this.connection), query);
  }

  kpis(query: KpiQuery): Promise<KpiAggregates> {
    return assembleKpis(clickhouseReportBackend(this.connection), query);
  }

  userEconomics(query: UserEconomicsQuery): Promise<UserEconomics[]> {
    return assembleUserEconomics(clickhouseReportBackend(this.connection), query);
  }

  async spendSeries(query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
    return (await this.connection.rows(spendSeriesEventsSql(clickhouseDialect, query))).map(spendSeriesRow);
  }

  replay(query: ReplayQuery): Promise<SimulationGroupRow[]> {
    return clickhouseReplay(this.connection, query);
  }

  featureProfiles(range: TimeRange): Promise<FeatureTrafficProfile[]> {
    return clickhouseFeatureProfiles(this.connection, range);
  }

  gatewayPricedModels(range: TimeRange, cascadeTargets: CascadeTarget[]): Promise<GatewayPricedModels> {
    return readGatewayPricedModels((sql) => this.connection.rows(sql), clickhouseDialect, range, cascadeTargets);
  }

  gatewayEffects(query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
    return readGatewayEffects((sql) => this.connection.rows(sql), clickhouseDialect, query);
  }

  async recordedByProviderDay(query: { provider: string; range: TimeRange }): Promise<RecordedProviderDay[]> {
    return (await this.connection.rows(recordedByProviderDaySql(clickhouseDialect, query))).map(recordedProviderDay);
  }

  private get ledger(): StatementLedger {
    return createClickhouseStatementLedger(this.connection);
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

  apiKeyTable(): ApiKeyTable {
    return createClickhouseApiKeyTable(this.connection);
  }

  async openAlertState(): Promise<ClickhouseAlertState> {
    return new ClickhouseAlertState(this.connection);
  }

  async monthTotals(): Promise<MonthTotals[]> {
    return foldMonthTotals(await this.connection.rows(monthTotalsSql(clickhouseDialect)));
  }

  async scanRecords<Kind extends RecordKind>(kind: Kind, month: string, after: ScanPosition | null, limit: number): Promise<{ rows: Array<RecordRows[Kind]>; last: ScanPosition | null }> {
    const rows = await this.connection.rows(scanSql(clickhouseDialect, kind, month, after, limit));
    return { rows: rows.map((row) => recordFromRow(kind, row)), last: lastPosition(kind, rows) };
  }

  async storedPrices(): Promise<StoredPriceRow[]> {
    return (await this.connection.rows(storedPricesSql(clickhouseDialect))).map(priceFromRow);
  }

  focusPricedModels(range: { fromMs: number; toMs: number }): Promise<PricingGroup[]> {
    return clickhouseFocusPricedModels(this.connection, range);
  }

  exportFocus(run: FocusExportRun, progress?: (step: string) => void): Promise<FocusExportOutcome> {
    return clickhouseExportFocus(this.connection, run, progress);
  }
}

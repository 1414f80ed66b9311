import { UnitcostError } from '../../core/unitcost-error.js';
import type { AppendOptions, BatchOutcome, EventBatch, OpenBatch, PricingGroup, RateAssignment, RepricedModel, StoreCounts, TimeRange } from '../event-writer.js';
import type { CascadeTarget, GatewayEffectsQuery, GatewayEffectsRows, GatewayPricedModels } from '../gateway-effects-reader.js';
import type { RecordedProviderDay } from '../reconcile-reader.js';
import type { KpiAggregates, KpiQuery, ReportAggregates, ReportQuery, SpendSeriesQuery, SpendSeriesRow, UserEconomics, UserEconomicsQuery } from '../report-reader.js';
import type { FeatureTrafficProfile, ReplayQuery, SimulationGroupRow } from '../simulation-replayer.js';
import type { CloseConflict, PeriodContents, StoredStatement, StoredStatementLine } from '../statement-ledger.js';
import type { Store } from '../store.js';
import type { AppendOutcome, StoredOutcomeRow, StoredPriceRow, StoredRevenueRow, StoredUsageRow } from '../stored-rows.js';
import { ClickhouseConnection, type ClickhouseSettings } from './clickhouse-connection.js';
import { ClickhouseEventWriter } from './clickhouse-event-writer.js';
import { migrateClickhouse } from './clickhouse-schema.js';

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

  async report(_query: ReportQuery): Promise<ReportAggregates> {
    return notYet('report');
  }

  async kpis(_query: KpiQuery): Promise<KpiAggregates> {
    return notYet('kpis');
  }

  async userEconomics(_query: UserEconomicsQuery): Promise<UserEconomics[]> {
    return notYet('the users-at-a-loss view');
  }

  async spendSeries(_query: SpendSeriesQuery): Promise<SpendSeriesRow[]> {
    return notYet('alerts');
  }

  async replay(_query: ReplayQuery): Promise<SimulationGroupRow[]> {
    return notYet('simulate');
  }

  async featureProfiles(_range: TimeRange): Promise<FeatureTrafficProfile[]> {
    return notYet('simulate');
  }

  async gatewayPricedModels(_range: TimeRange, _cascadeTargets: CascadeTarget[]): Promise<GatewayPricedModels> {
    return notYet('the gateway effects view');
  }

  async gatewayEffects(_query: GatewayEffectsQuery): Promise<GatewayEffectsRows> {
    return notYet('the gateway effects view');
  }

  async recordedByProviderDay(_query: { provider: string; range: TimeRange }): Promise<RecordedProviderDay[]> {
    return notYet('reconcile');
  }

  async closedStatements(_groupBy: string): Promise<StoredStatement[]> {
    return notYet('statements');
  }

  async statementLines(_statementId: string): Promise<StoredStatementLine[]> {
    return notYet('statements');
  }

  async carriedAdjustments(_adjustedStatementId: string): Promise<StoredStatementLine[]> {
    return notYet('statements');
  }

  async closeStatement(_statement: StoredStatement, _lines: StoredStatementLine[]): Promise<{ closed: true } | CloseConflict> {
    return notYet('statements');
  }

  async periodContents(_range: { from: string; to: string }): Promise<PeriodContents> {
    return notYet('statements');
  }
}

import { randomBytes } from 'node:crypto';
import type { DayWindow } from '../../core/kpi/report-periods.js';
import type { ReportDimension } from '../report-reader.js';
import { columnsOfRows, count, eventMeasures, eventReportBackend, type MeasureReader, type ReportBackend, type Row, type SqlRunner } from '../report-assembly.js';
import { eventExtras, sumsWanted, tierCandidatesSql, type ReportSqlScope } from '../sql/report-queries.js';
import { planRevenueByMonthSql, recordRevenueByMonthSql, spreadRevenueSql } from '../sql/report-revenue-queries.js';
import type { ChainedSql } from '../sql/relation-chain.js';
import type { ReportSum } from '../../core/kpi/report-fields.js';
import type { RevenueSettings } from '../../core/kpi/revenue-settings.js';
import {
  cachedRevenueByMonthSql,
  revenueCacheDimensions,
  revenueCacheSql,
  summaryActiveUsersSql,
  summaryDataWindowSql,
  summaryModelsSql,
  summaryMonthlyUsage,
  summaryRequestTypesSql,
  summaryTasksSql,
  summaryUsageSql,
  summaryUserMonthsSql,
} from '../sql/report-summary-queries.js';
import { clickhouseDialect } from '../sql/sql-dialect.js';
import type { ClickhouseConnection } from './clickhouse-connection.js';
import { refreshClickhouseSummaries } from './clickhouse-report-summaries.js';

/**
 * What reports, KPIs and the users-at-a-loss view of a ClickHouse store read. Reports by feature, team,
 * tier, model, provider or environment (the KPIs among them) read the per-day summaries, refreshed first
 * (clickhouse-report-summaries.ts), through the queries written once for every backend
 * (src/store/sql/report-summary-queries.ts); a report that groups or filters by user or session, and the
 * users-at-a-loss view, read the raw events through the shared raw-event queries. Both are put together by
 * report-assembly.ts as DuckDB's are. `source: 'events'` reads every measure from the raw events, as before
 * the summaries: what tests hold the summaries to.
 */
export function clickhouseReportBackend(connection: ClickhouseConnection, options: { source?: 'summaries' | 'events' } = {}): ReportBackend {
  const runner: SqlRunner = {
    rows: (sql) => connection.rows(sql, largeQueries),
    run: (sql) => connection.run(sql),
  };
  const events = eventReportBackend(clickhouseDialect, runner);
  if (options.source === 'events') return events;
  const d = clickhouseDialect;
  const revenue = new RevenueCache(runner);
  return {
    async session(run) {
      await refreshClickhouseSummaries(connection);
      try {
        return await run();
      } finally {
        await revenue.drop();
      }
    },
    async dataWindow() {
      const row = (await runner.rows(summaryDataWindowSql(d)))[0];
      if (!row || count(row.calls) === 0) return null;
      return { from: row.first_day as string, to: row.after_day as string };
    },
    revenueTracked: (settings) => events.revenueTracked(settings),
    tierCandidates: () => runner.rows(tierCandidatesSql(d, summaryModelsSql())),
    measures(scope, use) {
      if (use === 'user-economics' || eventExtras(scope).length > 0) return eventMeasures(d, runner, scope);
      return summaryMeasures(runner, scope, revenue);
    },
  };
}

/**
 * Revenue attributed by month down to every summary dimension, once per report and revenue settings, in a
 * scratch table each scope sums its groups from: a report's rows and its totals (and a KPI call's) share
 * one attribution, ~25 round trips on 18.16, instead of one each. DuckDB keeps the same rows in its revenue
 * cache (report_revenue_cache).
 */
class RevenueCache {
  private readonly tables = new Map<string, Promise<string>>();
  private readonly prefix = `scratch_${randomBytes(6).toString('hex')}_revenue_`;

  constructor(private readonly runner: SqlRunner) {}

  /** The scratch table of one kind of revenue over some months. */
  table(kind: 'plan' | 'record', settings: RevenueSettings, months: DayWindow, dimensions: readonly ReportDimension[]): Promise<string> {
    const key = JSON.stringify([kind, settings, months, dimensions]);
    let table = this.tables.get(key);
    if (!table) {
      const name = `${this.prefix}${this.tables.size}`;
      table = this.fill(name, kind, settings, months, dimensions).then(() => name);
      this.tables.set(key, table);
    }
    return table;
  }

  private async fill(name: string, kind: 'plan' | 'record', settings: RevenueSettings, months: DayWindow, dimensions: readonly ReportDimension[]): Promise<void> {
    const d = clickhouseDialect;
    const scope = { groupBy: dimensions, where: [], months };
    const usage = summaryMonthlyUsage(d, months);
    const byMonth: ChainedSql = kind === 'plan' ? planRevenueByMonthSql(d, usage, scope, settings) : recordRevenueByMonthSql(d, usage, scope, settings);
    try {
      for (const statement of byMonth.setup) await this.runner.run(statement);
      await this.runner.run(d.createScratchTable(name, revenueCacheSql(byMonth.sql, dimensions)));
    } finally {
      await Promise.all(byMonth.cleanup.map((statement) => this.runner.run(statement)));
    }
  }

  async drop(): Promise<void> {
    const names = await Promise.all([...this.tables.values()].map((table) => table.catch(() => null)));
    this.tables.clear();
    await Promise.all(names.filter((name) => name !== null).map((name) => this.runner.run(clickhouseDialect.dropScratchTable(name))));
  }
}

/** Every measure of a scope that groups and filters by combo dimensions only, from the summaries. */
function summaryMeasures(runner: SqlRunner, scope: ReportSqlScope, revenue: RevenueCache): MeasureReader {
  const d = clickhouseDialect;
  const revenueRows = async (settings: RevenueSettings, kind: 'plan' | 'record'): Promise<Row[]> => {
    const table = await revenue.table(kind, settings, scope.monthRange, revenueCacheDimensions(scope));
    return runner.rows(spreadRevenueSql(d, scope, cachedRevenueByMonthSql(d, table, scope), kind === 'plan' ? 'plan_revenue' : 'record_revenue'));
  };
  // Each of these reads a few thousand summary rows: the server answers them side by side while the usage
  // query runs, rather than one round trip after another (a KPI call asks for each twice). A narrowed report
  // (sums) starts only those it reads; one asked for later is run then.
  const queries = { activeUsers: () => summaryActiveUsersSql(d, scope), userMonths: () => summaryUserMonthsSql(d, scope), tasks: () => summaryTasksSql(d, scope) };
  let started: Partial<Record<keyof typeof queries, Promise<Row[]>>> | undefined;
  const start = (sums?: readonly ReportSum[]): NonNullable<typeof started> => {
    if (!started) {
      const wanted = { activeUsers: sumsWanted(sums, 'active_users'), userMonths: sumsWanted(sums, 'active_user_months'), tasks: sumsWanted(sums, 'tasks') };
      started = {};
      for (const name of Object.keys(queries) as Array<keyof typeof queries>) if (wanted[name]) started[name] = runner.rows(queries[name]());
      // A failure is reported by whoever awaits it; none goes unhandled if the report stops before.
      for (const pending of Object.values(started)) pending.catch(() => undefined);
    }
    return started;
  };
  return {
    usage: async (tiers, sums) => {
      start(sums);
      return columnsOfRows(await runner.rows(summaryUsageSql(d, scope, tiers, sums)));
    },
    activeUsers: () => start().activeUsers ?? runner.rows(queries.activeUsers()),
    userMonths: () => start().userMonths ?? runner.rows(queries.userMonths()),
    tasks: () => start().tasks ?? runner.rows(queries.tasks()),
    planRevenue: (settings) => revenueRows(settings, 'plan'),
    recordRevenue: (settings) => revenueRows(settings, 'record'),
    requestTypes: () => runner.rows(summaryRequestTypesSql(d, scope)),
    // Only the users-at-a-loss view asks for it, and it reads the events (above).
    userCost: () => eventMeasures(d, runner, scope).userCost(),
  };
}

/**
 * A report by day over years lists each slice's days (clickhouseDialect.sliceDays: 10,000 buckets are
 * ~20,000 days), past the server's default limits of 256 kB of SQL and 50,000 AST nodes.
 */
const largeQueries = { max_query_size: String(16 * 2 ** 20), max_ast_elements: String(2_000_000) };

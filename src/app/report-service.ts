import { buildKpiDashboard, type KpiDashboard } from '../core/kpi/kpi-dashboard.js';
import { defaultKpiThresholds, type KpiThresholds } from '../core/kpi/kpi-thresholds.js';
import type { ModelTierSettings } from '../core/kpi/model-tier.js';
import { buildNarrowedReport, buildReport, type NarrowedReport, type Report } from '../core/kpi/build-report.js';
import { sumsOfFields, type ReportField } from '../core/kpi/report-fields.js';
import { parseFields, parseGroupBy, parsePeriod, parseTop, parseWhere } from '../core/kpi/report-request.js';
import { dayString } from '../core/kpi/report-periods.js';
import type { RevenueSettings } from '../core/kpi/revenue-settings.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { UnitcostConfig } from '../config/unitcost-config.js';
import type { ReportQuery, ReportReader } from '../store/report-reader.js';
import type { App } from './create-app.js';
import { openStore, refuseMissingStore } from './open-store.js';

/** What `unitcost report` asks for, as typed: names and dates are checked here. */
export interface ReportOptions {
  /** Dimensions, comma-separated or repeated, and `time`; default feature. */
  by?: string[];
  period?: string;
  /** Midnight UTC of the first day, and of the day after the last. */
  from?: Date;
  to?: Date;
  /** `tag=value` filters. */
  where?: string[];
  /** Only the N costliest rows of each period, as typed (`--top`). */
  top?: string;
  /** Only these measures in each row, comma-separated as typed (`--fields`): a NarrowedReport, whose store sums only what they need. */
  fields?: string;
  db?: string;
}

/** What `unitcost kpis` asks for. */
export interface KpiOptions {
  period?: string;
  to?: Date;
  /** tag=value filters, as `report --where`: the KPIs of the calls they keep. */
  where?: string[];
  db?: string;
}

/** The report settings the config holds: revenue (plans, attribution), model tiers and KPI thresholds. */
export function reportSettings(config: UnitcostConfig): { revenue: RevenueSettings; tiers: ModelTierSettings; thresholds: KpiThresholds } {
  const kpi = config.kpi_thresholds;
  return {
    revenue: { plans: config.plans, attribution: config.revenue_attribution },
    tiers: {
      budgetBelowUsdPerMillion: config.model_tiers.budget_below_usd_per_million,
      frontierFromUsdPerMillion: config.model_tiers.frontier_from_usd_per_million,
      overrides: config.model_tiers.models,
    },
    thresholds: {
      ...defaultKpiThresholds,
      minInferenceMargin: kpi.min_inference_margin ?? config.thresholds.min_inference_margin,
      maxCostShareOfArpu: kpi.max_cost_share_of_arpu ?? config.thresholds.max_cost_share_of_arpu,
      maxPromptCacheHitRateDrop: kpi.max_prompt_cache_hit_rate_drop_points / 100,
      maxResponseCacheHitRateDrop: kpi.max_response_cache_hit_rate_drop_points / 100,
      maxFrontierShareRise: kpi.max_frontier_share_rise_points / 100,
    },
  };
}

/** Builds a report from the store: groups, measures, the previous period, the Pareto view; narrowed to `fields` when given. */
export async function runReport(app: App, options: Omit<ReportOptions, 'fields'>): Promise<Report>;
export async function runReport(app: App, options: ReportOptions): Promise<Report | NarrowedReport>;
export async function runReport(app: App, options: ReportOptions): Promise<Report | NarrowedReport> {
  const fields = options.fields === undefined ? undefined : parseFields([options.fields]);
  const grouping = parseGroupBy(options.by && options.by.length > 0 ? options.by : ['feature']);
  const period = options.period ? parsePeriod(options.period) : grouping.byTime ? 'day' : null;
  const where = parseWhere(options.where ?? []);
  const top = options.top === undefined ? undefined : parseTop(options.top);
  const from = options.from ? wholeDay(options.from, '--from') : undefined;
  const to = options.to ? wholeDay(options.to, '--to') : undefined;
  if (from !== undefined && to !== undefined && to <= from) {
    throw new UnitcostError('invalid_argument', `--to ${to} must come after --from ${from} (--to is the first day after the report)`, { field: '--to' });
  }
  const store = await openExistingStore(app, options.db);
  try {
    return await reportFrom(app, store, { groupBy: grouping.groupBy, period, from, to, where, top, fields });
  } finally {
    await store.close();
  }
}

/** A report request once its flags are parsed: what the CLI and the server both ask a reader for. */
export interface ParsedReportRequest {
  groupBy: ReportQuery['groupBy'];
  period: ReportQuery['period'];
  from: string | undefined;
  to: string | undefined;
  where: ReportQuery['where'];
  top: number | undefined;
  fields: ReportField[] | undefined;
}

/** Reads a parsed report request from a store and builds the report, narrowed to its fields when it names some. */
export async function reportFrom(app: App, reader: ReportReader, parsed: ParsedReportRequest): Promise<Report | NarrowedReport> {
  const { groupBy, period, from, to, where, top, fields } = parsed;
  const settings = reportSettings(app.config);
  const aggregates = await reader.report({
    groupBy,
    period,
    from,
    to,
    where,
    revenue: settings.revenue,
    tiers: settings.tiers,
    ...(top === undefined ? {} : { top }),
    ...(fields === undefined ? {} : { sums: sumsOfFields(fields) }),
  });
  const request = { groupBy, period, where, attribution: settings.revenue.attribution.method };
  return fields === undefined ? buildReport(aggregates, request) : buildNarrowedReport(aggregates, { ...request, fields });
}

/** Builds the KPI dashboard of the last day, week or month of data. */
export async function runKpis(app: App, options: KpiOptions): Promise<KpiDashboard> {
  const period = parsePeriod(options.period ?? 'week');
  const to = options.to ? wholeDay(options.to, '--to') : undefined;
  const where = parseWhere(options.where ?? []);
  const settings = reportSettings(app.config);
  const store = await openExistingStore(app, options.db);
  try {
    const aggregates = await store.kpis({ period, to, where, revenue: settings.revenue, tiers: settings.tiers });
    return buildKpiDashboard(aggregates, period, settings.thresholds);
  } finally {
    await store.close();
  }
}

// A report on a file that does not exist would create an empty store and report nothing: say so instead.
async function openExistingStore(app: App, db: string | undefined) {
  refuseMissingStore(app, db === undefined ? {} : { db });
  return openStore(app, db === undefined ? {} : { db });
}

function wholeDay(date: Date, flag: string): string {
  const ms = date.getTime();
  if (ms % 86_400_000 !== 0) {
    throw new UnitcostError('invalid_argument', `${flag} must be a whole UTC day (reports count whole days), got ${date.toISOString()}`, { field: flag });
  }
  return dayString(ms / 86_400_000);
}

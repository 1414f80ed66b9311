import type { KpiThresholdRule, SpendAnomalyRule } from '../../core/governance/alerts/alert-config.js';
import type { ModelSpend } from '../../core/governance/alerts/decompose-spend-change.js';
import type { FiredAlert } from '../../core/governance/alerts/fired-alert.js';
import { alertsCheckJson, type AlertsCheckJson } from '../../core/governance/alerts/fired-alert-json.js';
import { budgetAlerts, kpiThresholdAlert, spendAnomalyAlert, type KpiFigures, type KpiReading } from '../../core/governance/alerts/rule-alerts.js';
import { completeRanges, detectSeasonalAnomaly, grainMs, partialBuckets, type BucketSpend } from '../../core/governance/alerts/seasonal-anomaly.js';
import type { SpendSeriesRow } from '../../core/governance/alerts/spend-series.js';
import type { Budget } from '../../core/budgets/budget-config.js';
import { budgetForecastJson } from '../../core/governance/budget-forecast-json.js';
import { budgetPeriodWindow } from '../../core/governance/budget-period-window.js';
import { defaultHistoryDays, forecastBudget } from '../../core/governance/forecast-budget.js';
import type { DailySpend } from '../../core/governance/weekday-run-rate.js';
import { reportMeasures } from '../../core/kpi/report-measures.js';
import { addDays } from '../../core/kpi/report-periods.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { ReportFilter, ReportReader } from '../../store/report-reader.js';
import type { App } from '../create-app.js';
import { missingStoreFile, openStore } from '../open-store.js';
import { parseInstant } from '../parse-instant.js';
import { reportSettings } from '../report-service.js';

const dayMs = 86_400_000;

/** GET /v1/alerts' flags, as `unitcost alerts check` spells them without the dashes. */
export interface AlertsCheckFlags {
  /** A date (the end of that day) or a timestamp; default now. */
  at?: string;
}

/**
 * Evaluates every rule of `alerts:` and every budget of `budgets:` at `nowMs`, from the store's figures:
 * what is wrong now. Stateless and deterministic: the same store and instant give the same alerts, and
 * the evaluations of one episode give it the same key, for delivery to turn into one incident.
 */
export async function evaluateAlerts(app: App, reader: ReportReader, nowMs: number): Promise<FiredAlert[]> {
  const alerts: FiredAlert[] = [];
  for (const rule of app.config.alerts) {
    if (rule.kind === 'spend_anomaly') alerts.push(...(await spendAnomalies(reader, rule, nowMs)));
    else alerts.push(...(await kpiThresholds(app, reader, rule, nowMs)));
  }
  for (const budget of app.config.budgets) alerts.push(...(await budgetAlertsOf(reader, budget, nowMs)));
  return alerts;
}

/**
 * A budget's alerts for every value of its tag (not only the ten `unitcost budgets` shows): the same
 * forecast as the budget report, from daily spend read off the summaries in one query per budget.
 */
async function budgetAlertsOf(reader: ReportReader, budget: Budget, nowMs: number): Promise<FiredAlert[]> {
  const window = budgetPeriodWindow(budget.period, nowMs);
  const today = new Date(Math.floor(nowMs / dayMs) * dayMs).toISOString().slice(0, 10);
  const historyFrom = addDays(today, -defaultHistoryDays);
  const from = window.from < historyFrom ? window.from : historyFrom;
  const rows = await reader.spendSeries({
    per: budget.per ?? null,
    where: filtersOf(budget),
    grain: 'day',
    ranges: [{ fromMs: Date.parse(`${from}T00:00:00Z`), toMs: Date.parse(`${addDays(today, 1)}T00:00:00Z`) }],
    byModel: false,
    totalOnly: true,
  });
  const series = new Map<string | null, DailySpend[]>();
  for (const row of rows) {
    // Calls without the tag count in no budget kept per that tag, as at the gateway.
    if (budget.per !== undefined && row.value === null) continue;
    const days = series.get(row.value) ?? [];
    days.push({ day: new Date(row.bucketStartMs).toISOString().slice(0, 10), picodollars: row.totalPicodollars });
    series.set(row.value, days);
  }
  const alerts: FiredAlert[] = [];
  for (const [value, days] of series) {
    const spent = days.filter((entry) => entry.day >= window.from).reduce((sum, entry) => sum + entry.picodollars, 0n);
    const forecast = forecastBudget({ budget, nowMs, spentPicodollars: spent, history: days.filter((entry) => entry.day < today) });
    alerts.push(...budgetAlerts(budget, { value, ...budgetForecastJson(forecast) }));
  }
  return alerts;
}

/** The JSON of `unitcost alerts check --json` and GET /v1/alerts, over a reader. */
export async function alertsCheckOver(app: App, reader: ReportReader, flags: AlertsCheckFlags): Promise<AlertsCheckJson> {
  const nowMs = alertsAtMs(app, flags.at);
  return alertsCheckJson(new Date(nowMs), await evaluateAlerts(app, reader, nowMs));
}

/** `unitcost alerts check` on the store file itself (the server, when it holds the file, answers GET /v1/alerts instead). */
export async function runAlertsCheck(app: App, options: { at?: string; db?: string }): Promise<AlertsCheckJson> {
  const path = missingStoreFile(app, options.db === undefined ? {} : { db: options.db });
  // Checking a store that does not exist would create an empty one and find nothing wrong: say so instead.
  if (path !== null) {
    throw new UnitcostError('not_found', `no store at ${path}: run \`unitcost ingest FILE\` or \`unitcost demo\` first, or name one with --db`, { field: 'db' });
  }
  const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    return await alertsCheckOver(app, store, options.at === undefined ? {} : { at: options.at });
  } finally {
    await store.close();
  }
}

/** The instant of an evaluation: a date means the end of that day (as `unitcost budgets --at` reads it), when all its spend is in. */
export function alertsAtMs(app: App, at: string | undefined): number {
  if (at === undefined) return app.now().getTime();
  const instant = parseInstant(at, 'at').getTime();
  return /^\d{4}-\d{2}-\d{2}$/.test(at) ? instant + dayMs - 1 : instant;
}

async function spendAnomalies(reader: ReportReader, rule: SpendAnomalyRule, nowMs: number): Promise<FiredAlert[]> {
  const where = filtersOf(rule);
  const base = { per: rule.per ?? null, where, grain: rule.grain } as const;
  const complete = bucketsByValue(await reader.spendSeries({ ...base, ranges: completeRanges(rule.grain, rule.baseline_weeks, nowMs), byModel: false, totalOnly: true }));
  const partial = partialBuckets(rule.grain, rule.baseline_weeks, nowMs);
  const running = partial.withinBucketMs > 0 ? bucketsByValue(await reader.spendSeries({ ...base, buckets: partial, byModel: false, totalOnly: true })) : new Map<string | null, BucketSpend>();
  const alerts: FiredAlert[] = [];
  const values = [...new Set([...complete.keys(), ...running.keys()])];
  for (const value of values) {
    // Calls without the tag are no series of it (as in budgets): there is no one to tell.
    if (rule.per !== undefined && value === null) continue;
    const anomaly = detectSeasonalAnomaly({ complete: complete.get(value) ?? new Map(), partial: running.get(value) ?? new Map() }, rule, nowMs);
    if (anomaly === null) continue;
    // The cause: the window by model against the baseline windows the median came from, cut at the same offset.
    const size = grainMs[rule.grain];
    const length = anomaly.windowEndMs - anomaly.windowStartMs;
    const starts = [anomaly.windowStartMs, ...anomaly.verdict.medianWindows];
    const scoped: ReportFilter[] = rule.per === undefined ? where : [...where, { dimension: rule.per, values: [value!] }];
    const rows = await reader.spendSeries({
      per: rule.per ?? null,
      where: scoped,
      grain: rule.grain,
      ...(length < size ? { buckets: { startsMs: starts, withinBucketMs: length } } : { ranges: starts.map((start) => ({ fromMs: start, toMs: start + size })) }),
      byModel: true,
    });
    const current = rows.filter((row) => row.bucketStartMs === anomaly.windowStartMs);
    const baseline = meanOfWindows(rows.filter((row) => row.bucketStartMs !== anomaly.windowStartMs), anomaly.verdict.medianWindows.length);
    alerts.push(spendAnomalyAlert(rule, value, anomaly, baseline, current));
  }
  return alerts;
}

async function kpiThresholds(app: App, reader: ReportReader, rule: KpiThresholdRule, nowMs: number): Promise<FiredAlert[]> {
  const today = new Date(Math.floor(nowMs / dayMs) * dayMs).toISOString().slice(0, 10);
  const days = rule.grain === 'day' ? 1 : 7;
  const from = addDays(today, 1 - days);
  const to = addDays(today, 1);
  // A week's alert keeps one key for the ISO week, a day's for the day: one alert per period while it lasts.
  const window = { from, key: rule.grain === 'day' ? today : budgetPeriodWindow('week', nowMs).from };
  const readings = rule.kpi === 'prompt_cache_hit_rate' || rule.kpi === 'response_cache_hit_rate' ? await cacheReadings(reader, rule, from, to) : await reportReadings(app, reader, rule, from, to);
  const alerts: FiredAlert[] = [];
  for (const [value, reading] of readings) {
    // Calls without the tag are no scope of it: there is no one to tell.
    if (rule.per !== undefined && value === null) continue;
    const alert = kpiThresholdAlert(rule, value, window, reading);
    if (alert) alerts.push(alert);
  }
  return alerts;
}

// Margins and cost per user need revenue attributed to each scope: the report computes them.
async function reportReadings(app: App, reader: ReportReader, rule: KpiThresholdRule, from: string, to: string): Promise<Map<string | null, KpiReading>> {
  const { revenue, tiers } = reportSettings(app.config);
  const report = await reader.report({ groupBy: rule.per === undefined ? [] : [rule.per], period: null, from, to, where: filtersOf(rule), revenue, tiers });
  if (rule.per === undefined) return new Map([[null, { value: reportMeasures(report.totals.current, report.revenueTracked), baseline: null }]]);
  return new Map(report.rows.map((row) => [row.keys[rule.per!] ?? null, { value: reportMeasures(row.current, report.revenueTracked), baseline: null }]));
}

// Hit rates need tokens and cache lookups only: daily sums off the summaries, the window and the days before it in one query.
async function cacheReadings(reader: ReportReader, rule: KpiThresholdRule, from: string, to: string): Promise<Map<string | null, KpiReading>> {
  const windowFromMs = Date.parse(`${from}T00:00:00Z`);
  const rows = await reader.spendSeries({
    per: rule.per ?? null,
    where: filtersOf(rule),
    grain: 'day',
    ranges: [{ fromMs: windowFromMs - rule.baseline_days * dayMs, toMs: Date.parse(`${to}T00:00:00Z`) }],
    byModel: false,
  });
  const sums = new Map<string | null, { window: CacheSums; before: CacheSums }>();
  for (const row of rows) {
    const entry = sums.get(row.value) ?? { window: emptyCacheSums(), before: emptyCacheSums() };
    const target = row.bucketStartMs >= windowFromMs ? entry.window : entry.before;
    target.prompt += row.tokens.input + row.tokens.cacheRead + row.tokens.cacheWrite;
    target.cacheRead += row.tokens.cacheRead;
    target.hits += row.responseCacheHits;
    target.lookups += row.responseCacheLookups;
    sums.set(row.value, entry);
  }
  const figures = (cache: CacheSums): KpiFigures => ({
    prompt_cache_hit_rate: cache.prompt > 0 ? cache.cacheRead / cache.prompt : null,
    response_cache_hit_rate: cache.lookups > 0 ? cache.hits / cache.lookups : null,
  });
  // A scope with no calls in the window has no rate to judge.
  return new Map([...sums].filter(([, entry]) => entry.window.prompt > 0 || entry.window.lookups > 0).map(([value, entry]) => [value, { value: figures(entry.window), baseline: figures(entry.before) }]));
}

interface CacheSums {
  prompt: number;
  cacheRead: number;
  hits: number;
  lookups: number;
}

function emptyCacheSums(): CacheSums {
  return { prompt: 0, cacheRead: 0, hits: 0, lookups: 0 };
}

function filtersOf(rule: { per?: ReportFilter['dimension'] | undefined; equals?: string | undefined }): ReportFilter[] {
  return rule.per !== undefined && rule.equals !== undefined ? [{ dimension: rule.per, values: [rule.equals] }] : [];
}

function bucketsByValue(rows: readonly SpendSeriesRow[]): Map<string | null, BucketSpend> {
  const byValue = new Map<string | null, Map<number, bigint>>();
  for (const row of rows) {
    let buckets = byValue.get(row.value);
    if (!buckets) byValue.set(row.value, (buckets = new Map()));
    buckets.set(row.bucketStartMs, (buckets.get(row.bucketStartMs) ?? 0n) + row.totalPicodollars);
  }
  return byValue;
}

// The baseline of the cause: the mean, per model, of the windows the median is made of (one or two).
function meanOfWindows(rows: readonly SpendSeriesRow[], windows: number): ModelSpend[] {
  const count = Math.max(1, windows);
  const byModel = new Map<string, ModelSpend>();
  for (const row of rows) {
    const seen = byModel.get(row.model) ?? { model: row.model, calls: 0, tokens: { input: 0, cacheRead: 0, cacheWrite: 0, output: 0 }, cost: { input: 0n, cacheRead: 0n, cacheWrite: 0n, output: 0n, other: 0n } };
    seen.calls += row.calls;
    seen.tokens = { input: seen.tokens.input + row.tokens.input, cacheRead: seen.tokens.cacheRead + row.tokens.cacheRead, cacheWrite: seen.tokens.cacheWrite + row.tokens.cacheWrite, output: seen.tokens.output + row.tokens.output };
    seen.cost = { input: seen.cost.input + row.cost.input, cacheRead: seen.cost.cacheRead + row.cost.cacheRead, cacheWrite: seen.cost.cacheWrite + row.cost.cacheWrite, output: seen.cost.output + row.cost.output, other: seen.cost.other + row.cost.other };
    byModel.set(row.model, seen);
  }
  const divisor = BigInt(count);
  return [...byModel.values()].map((row) => ({
    model: row.model,
    calls: row.calls / count,
    tokens: { input: row.tokens.input / count, cacheRead: row.tokens.cacheRead / count, cacheWrite: row.tokens.cacheWrite / count, output: row.tokens.output / count },
    cost: { input: row.cost.input / divisor, cacheRead: row.cost.cacheRead / divisor, cacheWrite: row.cost.cacheWrite / divisor, output: row.cost.output / divisor, other: row.cost.other / divisor },
  }));
}

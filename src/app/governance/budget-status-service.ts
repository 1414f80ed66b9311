import type { Budget } from '../../core/budgets/budget-config.js';
import { budgetBurnDown, type BudgetBurnDownJson } from '../../core/governance/budget-burn-down.js';
import { budgetForecastJson, type BudgetForecastJson } from '../../core/governance/budget-forecast-json.js';
import { budgetPeriodWindow } from '../../core/governance/budget-period-window.js';
import { defaultHistoryDays, forecastBudget } from '../../core/governance/forecast-budget.js';
import type { DailySpend } from '../../core/governance/weekday-run-rate.js';
import { addDays } from '../../core/kpi/report-periods.js';
import type { ReportReader } from '../../store/report-reader.js';
import type { App } from '../create-app.js';
import { openStore, refuseMissingStore } from '../open-store.js';
import { parseInstant } from '../parse-instant.js';
import { reportSettings } from '../report-service.js';

/** GET /v1/budgets' flags, as `unitcost budgets` spells them without the dashes. */
export interface BudgetStatusFlags {
  /** A date (the end of that day) or a timestamp; default now. */
  at?: string;
  /** Also give each scope its burn-down (the dashboard's chart): left out of the CLI's JSON, where a table has no use for it. */
  burn_down?: boolean;
}

/** One budget with the forecast of each scope it keeps: one, or the values of its tag that spent most. */
export interface BudgetStatusJson {
  name: string;
  per: string | null;
  equals: string | null;
  period: Budget['period'];
  mode: Budget['mode'];
  limit_usd: number;
  alert_at: number[];
  /** Each scope: its tag's value (null for a budget over all spend) and its forecast, most spent first; its burn-down when asked for. */
  scopes: Array<{ value: string | null } & BudgetForecastJson & { burn_down?: BudgetBurnDownJson }>;
  /** Values of the tag with spend this period not shown: past the top ones. */
  more_values: number;
}

/** The JSON of `unitcost budgets --json`. */
export interface BudgetsJson {
  at: string;
  budgets: BudgetStatusJson[];
}

// A budget per tag with no value named keeps a total per value: user_id can have thousands, and the ones spending most are the ones to watch.
const topValues = 10;
const dayMs = 86_400_000;

/**
 * Every configured budget's spend, forecast and projected breach, read from the store through the report
 * reader: one daily report per budget, grouped by its tag, over the period and the run rate's history.
 */
export async function budgetStatusOver(app: App, reader: ReportReader, flags: BudgetStatusFlags): Promise<BudgetsJson> {
  const nowMs = atMs(app, flags.at);
  const budgets: BudgetStatusJson[] = [];
  for (const budget of app.config.budgets) budgets.push(await budgetStatus(app, reader, budget, nowMs, flags.burn_down === true));
  return { at: new Date(nowMs).toISOString(), budgets };
}

/** `unitcost budgets` on the store file itself (the server, when it holds the file, answers GET /v1/budgets instead). */
export async function runBudgetStatus(app: App, options: { at?: string; db?: string }): Promise<BudgetsJson> {
  // Reading a file that does not exist would create an empty store and report nothing spent: say so instead.
  refuseMissingStore(app, options.db === undefined ? {} : { db: options.db });
  const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    return await budgetStatusOver(app, store, options.at === undefined ? {} : { at: options.at });
  } finally {
    await store.close();
  }
}

async function budgetStatus(app: App, reader: ReportReader, budget: Budget, nowMs: number, withBurnDown: boolean): Promise<BudgetStatusJson> {
  const window = budgetPeriodWindow(budget.period, nowMs);
  const today = new Date(Math.floor(nowMs / dayMs) * dayMs).toISOString().slice(0, 10);
  const historyFrom = addDays(today, -defaultHistoryDays);
  const from = window.from < historyFrom ? window.from : historyFrom;
  const { revenue, tiers } = reportSettings(app.config);
  const per = budget.per;
  const report = await reader.report({
    groupBy: per === undefined ? [] : [per],
    period: 'day',
    from,
    to: addDays(today, 1),
    where: per === undefined || budget.equals === undefined ? [] : [{ dimension: per, values: [budget.equals] }],
    revenue,
    tiers,
  });
  // Daily spend per value of the tag; a budget over all spend keeps its one series under null.
  const series = new Map<string | null, DailySpend[]>();
  if (per !== undefined && budget.equals !== undefined) series.set(budget.equals, []);
  if (per === undefined) series.set(null, []);
  for (const row of report.rows) {
    const value = per === undefined ? null : (row.keys[per] ?? null);
    // Calls without the tag count in no budget kept per that tag, as at the gateway.
    if (per !== undefined && value === null) continue;
    const days = series.get(value) ?? [];
    days.push({ day: row.bucket.from, picodollars: row.current.costPicodollars.total });
    series.set(value, days);
  }
  const scopes = [...series.entries()].map(([value, days]) => {
    const spent = days.filter((entry) => entry.day >= window.from).reduce((sum, entry) => sum + entry.picodollars, 0n);
    const forecast = forecastBudget({ budget, nowMs, spentPicodollars: spent, history: days.filter((entry) => entry.day < today) });
    const burnDown = withBurnDown
      ? { burn_down: budgetBurnDown({ window: forecast.window, today, daily: days, limitPicodollars: forecast.limitPicodollars, alertAt: budget.alert_at, forecastDays: forecast.days }) }
      : {};
    return { value, spent, json: { ...budgetForecastJson(forecast), ...burnDown } };
  });
  // Values that spent nothing this period have nothing to watch yet.
  const ranked = scopes.filter((scope) => per === undefined || budget.equals !== undefined || scope.spent > 0n).sort((left, right) => (left.spent === right.spent ? 0 : left.spent > right.spent ? -1 : 1));
  return {
    name: budget.name,
    per: per ?? null,
    equals: budget.equals ?? null,
    period: budget.period,
    mode: budget.mode,
    limit_usd: budget.limit_usd,
    alert_at: budget.alert_at,
    scopes: ranked.slice(0, topValues).map((scope) => ({ value: scope.value, ...scope.json })),
    more_values: Math.max(0, ranked.length - topValues),
  };
}

// Reports count whole UTC days: a date means the end of that day, when all of its spend is in.
function atMs(app: App, at: string | undefined): number {
  if (at === undefined) return app.now().getTime();
  const instant = parseInstant(at, 'at').getTime();
  return /^\d{4}-\d{2}-\d{2}$/.test(at) ? instant + dayMs - 1 : instant;
}

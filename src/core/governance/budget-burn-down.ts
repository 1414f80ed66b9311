import { dayNumber, dayString, type DayWindow } from '../kpi/report-periods.js';
import { usd } from '../kpi/unit-ratios.js';
import type { BudgetForecast } from './forecast-budget.js';
import type { DailySpend } from './weekday-run-rate.js';

/** A budget scope's burn-down as GET /v1/budgets?burn_down=true prints it: dollars, snake_case. */
export interface BudgetBurnDownJson {
  /** The cumulative spend at the end of each day of the period, from its first day to today (today so far). */
  spent: Array<{ day: string; usd: number }>;
  /** The cumulative forecast at the end of each day from today to the period's last, with its range. */
  forecast: Array<{ day: string; usd: number; low_usd: number; high_usd: number }>;
  /** Each alert point: the dollars it stands at and the day the cumulative spend reached it (null: not yet). */
  alert_points: Array<{ at: number; usd: number; reached_on: string | null }>;
}

/** What a burn-down is drawn from: the period, today, the scope's daily spend, its limit and its forecast. */
export interface BudgetBurnDownInput {
  window: DayWindow;
  /** Today, YYYY-MM-DD: the last day with spend to show. */
  today: string;
  /** Daily spend (days missing spent nothing); days outside the period are ignored. */
  daily: readonly DailySpend[];
  limitPicodollars: bigint;
  alertAt: readonly number[];
  forecastDays: BudgetForecast['days'];
}

/**
 * The series of a burn-down chart: the period's spend summed day by day in picodollars (only the display
 * values are dollars), the forecast's cumulative path, and the day each alert point was crossed, which is the
 * comparison forecastBudget makes (spent ≥ point × limit, the point in millionths).
 */
export function budgetBurnDown(input: BudgetBurnDownInput): BudgetBurnDownJson {
  const from = dayNumber(input.window.from);
  const last = Math.min(dayNumber(input.today), dayNumber(input.window.to) - 1);
  const byDay = new Map<number, bigint>();
  for (const entry of input.daily) byDay.set(dayNumber(entry.day), (byDay.get(dayNumber(entry.day)) ?? 0n) + entry.picodollars);
  const points = input.alertAt.map((at) => ({ at, threshold: input.limitPicodollars * BigInt(Math.round(at * 1_000_000)), reachedOn: null as string | null }));
  const spent: BudgetBurnDownJson['spent'] = [];
  let cumulative = 0n;
  for (let day = from; day <= last; day += 1) {
    cumulative += byDay.get(day) ?? 0n;
    for (const point of points) if (point.reachedOn === null && cumulative * 1_000_000n >= point.threshold) point.reachedOn = dayString(day);
    spent.push({ day: dayString(day), usd: usd(cumulative) });
  }
  return {
    spent,
    forecast: input.forecastDays.map((day) => ({ day: day.day, usd: usd(day.endPicodollars), low_usd: usd(day.lowPicodollars), high_usd: usd(day.highPicodollars) })),
    alert_points: points.map((point) => ({ at: point.at, usd: usd(point.threshold / 1_000_000n), reached_on: point.reachedOn })),
  };
}

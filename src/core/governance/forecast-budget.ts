import type { Budget } from '../budgets/budget-config.js';
import { dayNumber, dayString, type DayWindow } from '../kpi/report-periods.js';
import { picodollarsOfUsd } from '../kpi/unit-ratios.js';
import { budgetPeriodWindow } from './budget-period-window.js';
import { weekdayOf, weekdayRunRate, type DailySpend } from './weekday-run-rate.js';

const dayMs = 86_400_000;

/** How many days of history the run rate reads by default: four of each day of the week. */
export const defaultHistoryDays = 28;

/** What a forecast of one budget scope starts from. */
export interface BudgetForecastInput {
  budget: Pick<Budget, 'period' | 'limit_usd' | 'alert_at'>;
  /** The instant the forecast is made at. */
  nowMs: number;
  /** What the scope has spent in the current period so far, today included. */
  spentPicodollars: bigint;
  /** The scope's daily spend on days before today (days missing spent nothing); the run rate reads the last `historyDays` of them. */
  history: readonly DailySpend[];
  historyDays?: number;
}

/** Where the forecast's run rate came from. */
export type ForecastBasis =
  /** The last weeks' daily spend, per day of the week (weekday-run-rate.ts). */
  | 'weekday-profile'
  /** No spend in the history: today's spend so far, over the part of today gone by. */
  | 'today-run-rate'
  /** Nothing spent yet, and no history: nothing to extrapolate. */
  | 'no-spend';

/** A budget scope's standing in its period and where it is heading. */
export interface BudgetForecast {
  /** The current period, whole UTC days [from, to). */
  window: DayWindow;
  limitPicodollars: bigint;
  spentPicodollars: bigint;
  /** The limit minus what is spent: negative once overrun. */
  remainingPicodollars: bigint;
  /** Spent ÷ limit: 0.8 is 80%. */
  usedShare: number;
  forecast: { basis: ForecastBasis; endPicodollars: bigint; lowPicodollars: bigint; highPicodollars: bigint };
  /** The day the spend reached the limit (already) or is expected to (cumulative forecast), or null when it stays under. */
  breach: { day: string; already: boolean } | null;
  /** The alert points (fractions of the limit) the spend has reached, in the budget's order. */
  alertPointsReached: number[];
  /** The cumulative forecast at the end of each day from today to the period's last, for a burn-down chart; empty for no-spend. */
  days: Array<{ day: string; endPicodollars: bigint; lowPicodollars: bigint; highPicodollars: bigint }>;
}

/**
 * Forecasts a budget scope to the end of its period: what is spent, plus for each day left the spend its day
 * of the week usually brings at the recent level (weekday-run-rate.ts), today counted for the part of it
 * still to come. The range adds up the low and the high samples the same way. Without history, today's
 * spend so far is the rate, with a deliberately wide range (from stopping now to twice the rate): a few
 * hours say little.
 */
export function forecastBudget(input: BudgetForecastInput): BudgetForecast {
  const { budget, nowMs, spentPicodollars: spent } = input;
  const window = budgetPeriodWindow(budget.period, nowMs);
  const today = Math.floor(nowMs / dayMs);
  const end = dayNumber(window.to);
  const limit = picodollarsOfUsd(budget.limit_usd);
  // Today has passed in part: only the rest of it is still to be spent.
  const restOfToday = BigInt((today + 1) * dayMs - nowMs);
  const share = (amount: bigint, day: number): bigint => (day === today ? (amount * restOfToday) / BigInt(dayMs) : amount);

  const historyDays = input.historyDays ?? defaultHistoryDays;
  const rate = weekdayRunRate(input.history, { from: dayString(today - historyDays), to: dayString(today) });
  const perDay: Array<{ day: number; expected: bigint; low: bigint; high: bigint }> = [];
  let basis: ForecastBasis;
  if (rate !== null) {
    basis = 'weekday-profile';
    for (let day = today; day < end; day += 1) {
      const weekday = rate.byWeekday[weekdayOf(day)]!;
      perDay.push({ day, expected: share(weekday.expected, day), low: share(weekday.low, day), high: share(weekday.high, day) });
    }
  } else if (spent > 0n) {
    basis = 'today-run-rate';
    // Nothing in the last weeks: the rate is today's spend over the part of today gone by (the period's
    // earlier days, in a month longer than the history, may hold spend that has since stopped).
    const earlier = spendBefore(input.history, window, today);
    const spentToday = spent > earlier ? spent - earlier : 0n;
    const elapsedMs = BigInt(Math.max(1, nowMs - today * dayMs));
    const daily = (spentToday * BigInt(dayMs)) / elapsedMs;
    for (let day = today; day < end; day += 1) perDay.push({ day, expected: share(daily, day), low: 0n, high: share(2n * daily, day) });
  } else {
    basis = 'no-spend';
  }

  let endPicodollars = spent;
  let lowPicodollars = spent;
  let highPicodollars = spent;
  let projected: number | null = null;
  const days: BudgetForecast['days'] = [];
  for (const day of perDay) {
    endPicodollars += day.expected;
    lowPicodollars += day.low;
    highPicodollars += day.high;
    days.push({ day: dayString(day.day), endPicodollars, lowPicodollars, highPicodollars });
    if (projected === null && spent < limit && endPicodollars >= limit) projected = day.day;
  }

  return {
    window,
    limitPicodollars: limit,
    spentPicodollars: spent,
    remainingPicodollars: limit - spent,
    usedShare: ratio(spent, limit),
    forecast: { basis, endPicodollars, lowPicodollars, highPicodollars },
    breach: spent >= limit ? { day: breachedOn(input.history, window, today, limit), already: true } : projected === null ? null : { day: dayString(projected), already: false },
    alertPointsReached: budget.alert_at.filter((point) => spent * 1_000_000n >= limit * BigInt(Math.round(point * 1_000_000))),
    days,
  };
}

// What the period's days before today spent, from the daily history.
function spendBefore(history: readonly DailySpend[], window: DayWindow, today: number): bigint {
  const from = dayNumber(window.from);
  return history.reduce((sum, entry) => {
    const day = dayNumber(entry.day);
    return day >= from && day < today ? sum + entry.picodollars : sum;
  }, 0n);
}

// The first day of the period by whose end the limit was reached, from the daily history; today when the history does not reach it.
function breachedOn(history: readonly DailySpend[], window: DayWindow, today: number, limit: bigint): string {
  const from = dayNumber(window.from);
  const spendByDay = new Map<number, bigint>();
  for (const entry of history) spendByDay.set(dayNumber(entry.day), (spendByDay.get(dayNumber(entry.day)) ?? 0n) + entry.picodollars);
  let cumulative = 0n;
  for (let day = from; day < today; day += 1) {
    cumulative += spendByDay.get(day) ?? 0n;
    if (cumulative >= limit) return dayString(day);
  }
  return dayString(today);
}

// A share for display, from exact integers: only the result is a float.
function ratio(part: bigint, whole: bigint): number {
  return Number((part * 1_000_000n) / whole) / 1_000_000;
}

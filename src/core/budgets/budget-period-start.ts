import type { BudgetPeriod } from './budget-config.js';

const dayMs = 86_400_000;

/** The start (epoch ms, UTC) of the calendar period holding `nowMs`: its day, its ISO week (from Monday) or its month. */
export function budgetPeriodStart(period: BudgetPeriod, nowMs: number): number {
  const dayStart = Math.floor(nowMs / dayMs) * dayMs;
  if (period === 'day') return dayStart;
  if (period === 'week') {
    // getUTCDay counts from Sunday; ISO weeks, like the reports' weeks, start on Monday.
    const sinceMonday = (new Date(dayStart).getUTCDay() + 6) % 7;
    return dayStart - sinceMonday * dayMs;
  }
  const date = new Date(dayStart);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

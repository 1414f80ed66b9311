import type { BudgetPeriod } from '../budgets/budget-config.js';
import { budgetPeriodStart } from '../budgets/budget-period-start.js';
import type { DayWindow } from '../kpi/report-periods.js';

const dayMs = 86_400_000;

/** The calendar period holding `nowMs` as whole UTC days [from, to): its day, its ISO week or its month. */
export function budgetPeriodWindow(period: BudgetPeriod, nowMs: number): DayWindow {
  const startMs = budgetPeriodStart(period, nowMs);
  const start = new Date(startMs);
  // Months differ in length, so the end is the next period's start rather than a fixed number of days on.
  const endMs =
    period === 'day' ? startMs + dayMs : period === 'week' ? startMs + 7 * dayMs : Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  return { from: isoDay(startMs), to: isoDay(endMs) };
}

function isoDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

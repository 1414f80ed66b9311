import { describe, expect, it } from 'vitest';
import { dayNumber, dayString } from '../kpi/report-periods.js';
import { picodollarsOfUsd as usd } from '../kpi/unit-ratios.js';
import { budgetBurnDown } from './budget-burn-down.js';
import { forecastBudget } from './forecast-budget.js';
import type { DailySpend } from './weekday-run-rate.js';

// 2026-11-30 is a Monday; at Wednesday noon the week has spent $10 on Monday, $10 on Tuesday and $5 so far today.
const wednesdayNoon = Date.parse('2026-12-02T12:00:00Z');
const history: DailySpend[] = Array.from({ length: 28 }, (_, index) => ({ day: dayString(dayNumber('2026-12-02') - 28 + index), picodollars: usd(10) }));
const daily = [...history, { day: '2026-12-02', picodollars: usd(5) }];

function burnDown(limitUsd: number, alertAt: number[]) {
  const forecast = forecastBudget({ budget: { period: 'week', limit_usd: limitUsd, alert_at: alertAt }, nowMs: wednesdayNoon, spentPicodollars: usd(25), history });
  return budgetBurnDown({ window: forecast.window, today: '2026-12-02', daily, limitPicodollars: forecast.limitPicodollars, alertAt, forecastDays: forecast.days });
}

describe('budgetBurnDown', () => {
  it('sums the period day by day up to today, leaving out the days before it', () => {
    expect(burnDown(100, []).spent).toEqual([
      { day: '2026-11-30', usd: 10 },
      { day: '2026-12-01', usd: 20 },
      { day: '2026-12-02', usd: 25 },
    ]);
  });

  it('continues with the cumulative forecast from today to the last day of the period', () => {
    const forecast = burnDown(100, []).forecast;
    // The rest of today brings $5, then $10 a day to Sunday.
    expect(forecast.map((day) => [day.day, day.usd])).toEqual([
      ['2026-12-02', 30],
      ['2026-12-03', 40],
      ['2026-12-04', 50],
      ['2026-12-05', 60],
      ['2026-12-06', 70],
    ]);
    expect(forecast.at(-1)).toMatchObject({ low_usd: 70, high_usd: 70 });
  });

  it('marks the day the spend crossed each alert point, and none for points not reached', () => {
    expect(burnDown(40, [0.5, 0.8, 1]).alert_points).toEqual([
      { at: 0.5, usd: 20, reached_on: '2026-12-01' },
      { at: 0.8, usd: 32, reached_on: null },
      { at: 1, usd: 40, reached_on: null },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { Budget } from '../budgets/budget-config.js';
import { dayNumber, dayString } from '../kpi/report-periods.js';
import { picodollarsOfUsd } from '../kpi/unit-ratios.js';
import { forecastBudget } from './forecast-budget.js';
import type { DailySpend } from './weekday-run-rate.js';

const usd = picodollarsOfUsd;

// The 28 days before `today`, each spending what `dollarsOn` says for its date and Monday-based weekday.
function history(today: string, dollarsOn: (weekday: number, day: string, index: number) => number): DailySpend[] {
  const end = dayNumber(today);
  return Array.from({ length: 28 }, (_, index) => {
    const day = end - 28 + index;
    return { day: dayString(day), picodollars: usd(dollarsOn((day + 3) % 7, dayString(day), index)) };
  });
}

function budget(period: Budget['period'], limitUsd: number, alertAt: number[] = [0.5, 0.8, 1]) {
  return { period, limit_usd: limitUsd, alert_at: alertAt };
}

// 2026-11-30 is a Monday: the week of these tests runs from it to Sunday 2026-12-06.
const wednesdayNoon = Date.parse('2026-12-02T12:00:00Z');
const fridayNoon = Date.parse('2026-12-04T12:00:00Z');

describe('forecastBudget', () => {
  it('forecasts steady spend linearly to the end of the period', () => {
    const forecast = forecastBudget({ budget: budget('week', 100), nowMs: wednesdayNoon, spentPicodollars: usd(25), history: history('2026-12-02', () => 10) });
    expect(forecast.window).toEqual({ from: '2026-11-30', to: '2026-12-07' });
    // $25 so far, half of Wednesday and four whole days to come at $10 a day.
    expect(forecast.forecast).toEqual({ basis: 'weekday-profile', endPicodollars: usd(70), lowPicodollars: usd(70), highPicodollars: usd(70) });
    expect(forecast.remainingPicodollars).toBe(usd(75));
    expect(forecast.usedShare).toBe(0.25);
    expect(forecast.breach).toBeNull();
    expect(forecast.alertPointsReached).toEqual([]);
  });

  it('counts the quiet weekend still to come instead of spreading the weekday rate over it', () => {
    const weekdaysOnly = (weekday: number) => (weekday < 5 ? 20 : 0);
    // Monday to Thursday at $20 and half of Friday: $90, heading for $100; a flat rate would say $140 and a breach.
    const forecast = forecastBudget({ budget: budget('week', 120), nowMs: fridayNoon, spentPicodollars: usd(90), history: history('2026-12-04', weekdaysOnly) });
    expect(forecast.forecast.endPicodollars).toBe(usd(100));
    expect(forecast.breach).toBeNull();
    expect(forecast.alertPointsReached).toEqual([0.5]);
  });

  it('names the day the cumulative forecast reaches the limit', () => {
    // $10 a day: $10 by the end of December 1st, $200 by the end of December 20th.
    const forecast = forecastBudget({ budget: budget('month', 200), nowMs: Date.parse('2026-12-02T00:00:00Z'), spentPicodollars: usd(10), history: history('2026-12-02', () => 10) });
    expect(forecast.window).toEqual({ from: '2026-12-01', to: '2027-01-01' });
    expect(forecast.forecast.endPicodollars).toBe(usd(310));
    expect(forecast.breach).toEqual({ day: '2026-12-20', already: false });
  });

  it('reports a budget already spent, from the day it was reached, with every alert point passed', () => {
    const forecast = forecastBudget({ budget: budget('week', 20), nowMs: wednesdayNoon, spentPicodollars: usd(25), history: history('2026-12-02', () => 10) });
    expect(forecast.breach).toEqual({ day: '2026-12-01', already: true });
    expect(forecast.remainingPicodollars).toBe(-usd(5));
    expect(forecast.usedShare).toBe(1.25);
    expect(forecast.alertPointsReached).toEqual([0.5, 0.8, 1]);
  });

  it('dates a breach to today when the earlier days of the period stayed under the limit', () => {
    const forecast = forecastBudget({ budget: budget('week', 24), nowMs: wednesdayNoon, spentPicodollars: usd(25), history: history('2026-12-02', () => 10) });
    expect(forecast.breach).toEqual({ day: '2026-12-02', already: true });
  });

  it('forecasts nothing for a new scope that has spent nothing', () => {
    const forecast = forecastBudget({ budget: budget('month', 50), nowMs: wednesdayNoon, spentPicodollars: 0n, history: [] });
    expect(forecast.forecast).toEqual({ basis: 'no-spend', endPicodollars: 0n, lowPicodollars: 0n, highPicodollars: 0n });
    expect(forecast.breach).toBeNull();
    expect(forecast.usedShare).toBe(0);
  });

  it('extrapolates a scope new today from its spend so far, with a wide range', () => {
    // $6 by noon is $12 a day: $6 more today, and the day budget of $10 goes today.
    const forecast = forecastBudget({ budget: budget('day', 10), nowMs: wednesdayNoon, spentPicodollars: usd(6), history: [] });
    expect(forecast.forecast).toEqual({ basis: 'today-run-rate', endPicodollars: usd(12), lowPicodollars: usd(6), highPicodollars: usd(18) });
    expect(forecast.breach).toEqual({ day: '2026-12-02', already: false });
  });

  it('takes the rate from today only when the period spent earlier but the history has gone quiet', () => {
    // December 1st spent $100, then nothing for 30 days: on the 31st, $3 by noon is $6 a day, not $206.
    const nowMs = Date.parse('2026-12-31T12:00:00Z');
    const forecast = forecastBudget({ budget: budget('month', 1000), nowMs, spentPicodollars: usd(103), history: [{ day: '2026-12-01', picodollars: usd(100) }], historyDays: 28 });
    expect(forecast.forecast).toMatchObject({ basis: 'today-run-rate', endPicodollars: usd(106) });
  });

  it('ignores one outlier day in the history', () => {
    const spike = forecastBudget({
      budget: budget('week', 100),
      nowMs: wednesdayNoon,
      spentPicodollars: usd(25),
      history: history('2026-12-02', (_, day) => (day === '2026-11-27' ? 500 : 10)),
    });
    expect(spike.forecast.endPicodollars).toBe(usd(70));
    expect(spike.forecast.highPicodollars).toBe(usd(70));
  });

  it('takes the range from the spread of each weekday, without its extremes', () => {
    // Each weekday's four samples are $8, $9, $11 and $12: expected $10, range $9 to $11 a day.
    const spread = [8, 9, 11, 12];
    const forecast = forecastBudget({ budget: budget('week', 100), nowMs: Date.parse('2026-12-03T00:00:00Z'), spentPicodollars: usd(30), history: history('2026-12-03', (_, __, index) => spread[Math.floor(index / 7)]!) });
    // Thursday to Sunday, four whole days; the last week's samples ($12) lift the level by 12/10.
    expect(forecast.forecast.endPicodollars).toBe(usd(30 + 4 * 12));
    expect(forecast.forecast.lowPicodollars).toBe(usd(30 + 4 * 9 * 1.2));
    expect(forecast.forecast.highPicodollars).toBe(usd(30 + 4 * 11 * 1.2));
  });

  it('follows a level that has grown over the weeks', () => {
    // $10 a day for three weeks, then $20 a day: the last week sets the level.
    const forecast = forecastBudget({ budget: budget('week', 1000), nowMs: Date.parse('2026-12-03T00:00:00Z'), spentPicodollars: usd(60), history: history('2026-12-03', (_, __, index) => (index >= 21 ? 20 : 10)) });
    expect(forecast.forecast.endPicodollars).toBe(usd(60 + 4 * 20));
  });
});

import { describe, expect, it } from 'vitest';
import { picodollarsOfUsd } from '../../kpi/unit-ratios.js';
import { completeRanges, detectSeasonalAnomaly, judgeWindow, weekMs } from './seasonal-anomaly.js';

const dayMs = 86_400_000;
const hourMs = 3_600_000;
const usd = picodollarsOfUsd;
const daily = { grain: 'day' as const, baseline_weeks: 4, min_increase_usd: 10, min_relative_increase: 0.5, min_score: 3 };
// Monday 2026-08-10; its weekday is (day + 3) % 7 = 0.
const monday = Date.parse('2026-08-10T00:00:00Z');

// Six weeks of daily spend up to `until`: weekdays $100 (±$4), weekends $20, with overrides by day.
function days(until: number, overrides: Record<string, number> = {}): Map<number, bigint> {
  const spend = new Map<number, bigint>();
  for (let start = until - 42 * dayMs; start < until; start += dayMs) {
    const weekday = (Math.floor(start / dayMs) + 3) % 7;
    const iso = new Date(start).toISOString().slice(0, 10);
    spend.set(start, usd(overrides[iso] ?? (weekday < 5 ? 100 + ((Math.floor(start / dayMs) * 7) % 9) - 4 : 20)));
  }
  return spend;
}

describe('judgeWindow', () => {
  const thresholds = { minIncrease: usd(10), minRelative: 0.5, minScore: 3 };
  const samples = (...dollars: number[]) => dollars.map((value, index) => ({ startMs: index, picodollars: usd(value) }));

  it('fires only above both the dollar floor and the relative change', () => {
    expect(judgeWindow(usd(200), samples(100, 100, 100, 100), thresholds).fires).toBe(true);
    // +100% of $5 is $5: under the $10 floor.
    expect(judgeWindow(usd(10), samples(5, 5, 5, 5), thresholds).fires).toBe(false);
    // +$40 on $100 is +40%: under +50%.
    expect(judgeWindow(usd(140), samples(100, 100, 100, 100), thresholds).fires).toBe(false);
    expect(judgeWindow(usd(150), samples(100, 100, 100, 100), thresholds).fires).toBe(true);
  });

  it('keeps one odd week out of the baseline', () => {
    const verdict = judgeWindow(usd(200), samples(100, 100, 900, 100), thresholds);
    expect(verdict.baselinePicodollars).toBe(usd(100));
    expect(verdict.fires).toBe(true);
  });

  it('never fires on a drop, nor on a series with no level yet', () => {
    expect(judgeWindow(usd(10), samples(100, 100, 100, 100), thresholds).fires).toBe(false);
    expect(judgeWindow(usd(500), samples(0, 0, 0, 0), thresholds).fires).toBe(false);
  });

  it('scores how unusual the window is against the spread of the baseline', () => {
    const steady = judgeWindow(usd(200), samples(96, 100, 104, 100), thresholds);
    const noisy = judgeWindow(usd(200), samples(60, 100, 140, 100), thresholds);
    expect(steady.score).toBeGreaterThan(noisy.score);
    expect(noisy.score).toBeGreaterThan(1);
  });
});

describe('detectSeasonalAnomaly', () => {
  // At the next midnight, the day is the last complete bucket (and no part of the next has gone by).
  const at = (start: number) => start + dayMs;

  it('compares a day with the same weekday: the Monday after a quiet weekend is not a spike', () => {
    // Against the day before (Sunday, $20), Monday's $100 would be +400%.
    expect(detectSeasonalAnomaly({ complete: days(monday + dayMs), partial: new Map() }, daily, at(monday))).toBeNull();
  });

  it('does not fire on a quiet Sunday just because Sunday is small: +75% of $8 is under the dollar floor', () => {
    const sunday = monday - dayMs;
    const sundays = Object.fromEntries(Array.from({ length: 6 }, (_, week) => [new Date(sunday - week * weekMs).toISOString().slice(0, 10), week === 0 ? 14 : 8]));
    expect(detectSeasonalAnomaly({ complete: days(monday, sundays), partial: new Map() }, daily, at(sunday))).toBeNull();
    expect(detectSeasonalAnomaly({ complete: days(monday, { ...sundays, [new Date(sunday).toISOString().slice(0, 10)]: 40 }), partial: new Map() }, daily, at(sunday))).not.toBeNull();
  });

  it('does not fire on a weekend dip, nor on the weekend after it', () => {
    const dip = { '2026-08-01': 5, '2026-08-02': 4 };
    expect(detectSeasonalAnomaly({ complete: days(monday - 7 * dayMs, dip), partial: new Map() }, daily, at(monday - 8 * dayMs))).toBeNull();
    expect(detectSeasonalAnomaly({ complete: days(monday, dip), partial: new Map() }, daily, at(monday - dayMs))).toBeNull();
  });

  it('fires on a spike, dated to its first day, and the evaluations of the next days share that start', () => {
    const spike = { '2026-08-04': 300, '2026-08-05': 310, '2026-08-06': 305 };
    const first = detectSeasonalAnomaly({ complete: days(monday, spike), partial: new Map() }, daily, Date.parse('2026-08-05T00:00:00Z'));
    expect(first).toMatchObject({ windowStartMs: Date.parse('2026-08-04T00:00:00Z'), episodeStartMs: Date.parse('2026-08-04T00:00:00Z') });
    const third = detectSeasonalAnomaly({ complete: days(monday, spike), partial: new Map() }, daily, Date.parse('2026-08-07T00:00:00Z'));
    expect(third).toMatchObject({ windowStartMs: Date.parse('2026-08-06T00:00:00Z'), episodeStartMs: Date.parse('2026-08-04T00:00:00Z') });
  });

  it('keeps alerting an episode through a quiet weekend under the dollar floor, under the key of its first day', () => {
    // Spend doubles from Wednesday 2026-08-05: weekdays +$100, the weekend +$20, under a $30 floor.
    const doubled = { '2026-08-05': 200, '2026-08-06': 200, '2026-08-07': 200, '2026-08-08': 40, '2026-08-09': 40 };
    const saturday = detectSeasonalAnomaly({ complete: days(monday, doubled), partial: new Map() }, { ...daily, min_increase_usd: 30 }, at(Date.parse('2026-08-08T00:00:00Z')));
    expect(saturday).toMatchObject({ windowStartMs: Date.parse('2026-08-08T00:00:00Z'), episodeStartMs: Date.parse('2026-08-05T00:00:00Z') });
    expect(saturday!.verdict.fires).toBe(false);
    // The same weekend alone, with no weekday that fired before it, is no incident.
    expect(detectSeasonalAnomaly({ complete: days(monday, { '2026-08-08': 40 }), partial: new Map() }, { ...daily, min_increase_usd: 30 }, at(Date.parse('2026-08-08T00:00:00Z')))).toBeNull();
  });

  it('judges the running day against the same part of the same weekday', () => {
    // By 06:00, a quarter of a normal Monday has gone by: $25 is normal, $80 is not.
    const quarterOf = (whole: Map<number, bigint>, running: number) => new Map<number, bigint>([...[...whole].map(([start, spend]): [number, bigint] => [start, spend / 4n]), [running, 0n]]);
    const partial = quarterOf(days(monday), monday);
    const nowMs = monday + 6 * hourMs;
    expect(detectSeasonalAnomaly({ complete: days(monday), partial: new Map([...partial, [monday, usd(25)]]) }, daily, nowMs)).toBeNull();
    expect(detectSeasonalAnomaly({ complete: days(monday), partial: new Map([...partial, [monday, usd(80)]]) }, daily, nowMs)).toMatchObject({ windowStartMs: monday, windowEndMs: nowMs });
  });

  it('says nothing of a level that has been unusual for longer than an episode is traced', () => {
    const overrides = Object.fromEntries(Array.from({ length: 20 }, (_, index) => [new Date(monday - (index + 1) * dayMs).toISOString().slice(0, 10), 400]));
    expect(detectSeasonalAnomaly({ complete: days(monday, overrides), partial: new Map() }, { ...daily, baseline_weeks: 12 }, at(monday - dayMs))).toBeNull();
  });

  it('reads the episode and every baseline week of it, and nothing else', () => {
    const ranges = completeRanges('hour', 4, monday + 30 * 60_000);
    expect(ranges).toHaveLength(5);
    expect(ranges.at(-1)).toEqual({ fromMs: monday - 49 * hourMs, toMs: monday });
    expect(ranges[0]!.fromMs).toBe(monday - 49 * hourMs - 4 * weekMs);
    // Whole days overlap from week to week: one range.
    expect(completeRanges('day', 4, monday)).toEqual([{ fromMs: monday - 15 * dayMs - 4 * weekMs, toMs: monday }]);
  });
});

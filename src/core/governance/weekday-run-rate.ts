import { dayNumber } from '../kpi/report-periods.js';

/** What a scope spent on one UTC day, in picodollars. */
export interface DailySpend {
  day: string;
  picodollars: bigint;
}

/** The spend expected on a day of the week, with the range its recent samples allow. */
export interface WeekdayRate {
  expected: bigint;
  low: bigint;
  high: bigint;
}

/** The expected daily spend for each day of the week (0 is Monday), and how many days of history it rests on. */
export interface WeekdayRunRate {
  byWeekday: WeekdayRate[];
  historyDays: number;
}

/** Monday-based day of the week of a day number: 1970-01-01 was a Thursday. */
export function weekdayOf(day: number): number {
  return (day + 3) % 7;
}

/**
 * The recent daily run rate of a scope with its weekday pattern, from its daily spend over [from, to) (days
 * missing from `history` spent nothing). Null when the scope spent nothing in the window: there is no rate.
 *
 * The method, chosen so that one odd day moves nothing and a quiet weekend is not read as a slowdown:
 * 1. The history starts at the scope's first day with spend: days before it existed are not zero-spend days.
 * 2. Each day of the week gets the median of its samples (4 over 28 days; the mean of the middle two when
 *    even): one outlier among four leaves it unchanged. A weekday with no sample yet (under a week of
 *    history) takes the median of all days.
 * 3. The profile is scaled to the recent level by the median, over the last 7 days, of actual ÷ profile
 *    (days whose profile is zero say nothing about the level and are skipped): steady spend gives 1,
 *    growth over the month raises the whole week, a single spike is outvoted by the six other days.
 * 4. The range of each weekday is its samples without the lowest and the highest (with 3 or more), or all
 *    of them, scaled the same way.
 * Everything stays in integer picodollars: the scale is a fraction of two integers, never a float.
 */
export function weekdayRunRate(history: readonly DailySpend[], window: { from: string; to: string }): WeekdayRunRate | null {
  const from = dayNumber(window.from);
  const to = dayNumber(window.to);
  const spendByDay = new Map<number, bigint>();
  for (const entry of history) {
    const day = dayNumber(entry.day);
    if (day >= from && day < to) spendByDay.set(day, (spendByDay.get(day) ?? 0n) + entry.picodollars);
  }
  const firstSpending = [...spendByDay.entries()].filter(([, spend]) => spend > 0n).map(([day]) => day);
  if (firstSpending.length === 0) return null;
  const first = Math.min(...firstSpending);
  const samples: bigint[][] = Array.from({ length: 7 }, () => []);
  const all: bigint[] = [];
  for (let day = first; day < to; day += 1) {
    const spend = spendByDay.get(day) ?? 0n;
    samples[weekdayOf(day)]!.push(spend);
    all.push(spend);
  }
  const profile = samples.map((weekday) => (weekday.length > 0 ? weekday : all).slice().sort(compareBigint));
  const medians = profile.map(median);
  const scale = recentLevel(spendByDay, medians, Math.max(first, to - 7), to);
  const scaled = (value: bigint) => (value * scale.numerator) / scale.denominator;
  return {
    historyDays: to - first,
    byWeekday: profile.map((sorted, weekday) => {
      const trimmed = sorted.length >= 3 ? sorted.slice(1, -1) : sorted;
      return { expected: scaled(medians[weekday]!), low: scaled(trimmed[0]!), high: scaled(trimmed[trimmed.length - 1]!) };
    }),
  };
}

interface Fraction {
  numerator: bigint;
  denominator: bigint;
}

function recentLevel(spendByDay: ReadonlyMap<number, bigint>, medians: readonly bigint[], from: number, to: number): Fraction {
  const ratios: Fraction[] = [];
  for (let day = from; day < to; day += 1) {
    const denominator = medians[weekdayOf(day)]!;
    if (denominator > 0n) ratios.push({ numerator: spendByDay.get(day) ?? 0n, denominator });
  }
  if (ratios.length === 0) return { numerator: 1n, denominator: 1n };
  ratios.sort((left, right) => compareBigint(left.numerator * right.denominator, right.numerator * left.denominator));
  const middle = Math.floor(ratios.length / 2);
  if (ratios.length % 2 === 1) return ratios[middle]!;
  const [left, right] = [ratios[middle - 1]!, ratios[middle]!];
  return { numerator: left.numerator * right.denominator + right.numerator * left.denominator, denominator: 2n * left.denominator * right.denominator };
}

function median(sorted: readonly bigint[]): bigint {
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2n;
}

function compareBigint(left: bigint, right: bigint): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

import { UnitcostError } from '../unitcost-error.js';

/**
 * Reports work in whole UTC days. A window is [from, to): `to` is the first day after it. This module
 * cuts a window into the slices a query aggregates over — each bucket of the chosen period, and the
 * period before each one — and each slice into calendar-month parts, because seat revenue and "per active
 * user per month" are monthly quantities spread evenly over the days of their month.
 */

/** How a report buckets time: calendar days, ISO weeks (Monday to Sunday) or calendar months, all UTC. */
export type ReportPeriod = 'day' | 'week' | 'month';

/** The periods a report can bucket by. */
export const reportPeriods: readonly ReportPeriod[] = ['day', 'week', 'month'];

/** [from, to) in whole UTC days, as YYYY-MM-DD. */
export interface DayWindow {
  from: string;
  to: string;
}

/** A stretch of days one aggregate is taken over: a bucket of the report, or the period it is compared with. */
export interface ReportSlice {
  id: number;
  from: string;
  to: string;
}

/** A bucket of the report: the days it shows and the slice of the period before it. */
export interface ReportBucket {
  /** The bucket's calendar start (the window's start when not bucketing by time). */
  key: string;
  current: ReportSlice;
  previous: ReportSlice;
}

/** The part of a slice inside one calendar month, with the day counts that prorate monthly amounts. */
export interface MonthPart {
  sliceId: number;
  /** The first day of the month. */
  month: string;
  days: number;
  monthDays: number;
}

/** Everything a query needs to know about time. */
export interface ReportPeriods {
  window: DayWindow;
  /** The period of equal length just before the window. */
  previousWindow: DayWindow;
  period: ReportPeriod | null;
  buckets: ReportBucket[];
  /** Every distinct slice the buckets use, current and previous. */
  slices: ReportSlice[];
  monthParts: MonthPart[];
  /** The days any slice covers, and the whole months around them. */
  range: DayWindow;
  monthRange: DayWindow;
}

const dayMs = 86_400_000;

/** The most buckets one report may have, so that a typo such as --period day over ten years fails fast. */
export const maxBuckets = 5000;

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) throw new UnitcostError('invalid_argument', `not a date: "${day}"`);
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  if (new Date(ms).toISOString().slice(0, 10) !== day) throw new UnitcostError('invalid_argument', `not a real date: "${day}"`);
  return ms / dayMs;
}

/** The YYYY-MM-DD date of a day number. */
export function dayString(number: number): string {
  return new Date(number * dayMs).toISOString().slice(0, 10);
}

/** Adds days to a date. */
export function addDays(day: string, days: number): string {
  return dayString(dayNumber(day) + days);
}

/** The first day of the bucket holding `day`. */
export function bucketStart(day: string, period: ReportPeriod): string {
  if (period === 'day') return day;
  if (period === 'month') return `${day.slice(0, 8)}01`;
  const number = dayNumber(day);
  // 1970-01-01 was a Thursday: Monday-based weekday = (number + 3) mod 7.
  return dayString(number - ((number + 3) % 7 + 7) % 7);
}

/** The first day of the bucket after the one starting at `start`. */
export function nextBucketStart(start: string, period: ReportPeriod): string {
  if (period === 'day') return addDays(start, 1);
  if (period === 'week') return addDays(start, 7);
  const year = Number(start.slice(0, 4));
  const month = Number(start.slice(5, 7));
  return month === 12 ? `${year + 1}-01-01` : `${year}-${String(month + 1).padStart(2, '0')}-01`;
}

/** The days of the month holding `day`. */
export function daysInMonth(day: string): number {
  const start = bucketStart(day, 'month');
  return dayNumber(nextBucketStart(start, 'month')) - dayNumber(start);
}

/**
 * Plans the slices of a report. Without a period there is one bucket, the window, compared with the
 * window of equal length before it. With a period, each calendar bucket is clipped to the window and
 * compared with the whole calendar bucket before it.
 */
export function planReportPeriods(window: DayWindow, period: ReportPeriod | null): ReportPeriods {
  const fromNumber = dayNumber(window.from);
  const toNumber = dayNumber(window.to);
  if (toNumber <= fromNumber) {
    throw new UnitcostError('invalid_argument', `the report window is empty: --from ${window.from} is not before --to ${window.to} (--to is the first day after the window)`, { field: 'to' });
  }
  const length = toNumber - fromNumber;
  const previousWindow = { from: dayString(fromNumber - length), to: window.from };
  const slices: ReportSlice[] = [];
  const sliceFor = (from: string, to: string): ReportSlice => {
    const existing = slices.find((slice) => slice.from === from && slice.to === to);
    if (existing) return existing;
    const slice = { id: slices.length, from, to };
    slices.push(slice);
    return slice;
  };
  const buckets: ReportBucket[] = [];
  if (period === null) {
    buckets.push({ key: window.from, current: sliceFor(window.from, window.to), previous: sliceFor(previousWindow.from, previousWindow.to) });
  } else {
    let key = bucketStart(window.from, period);
    let previousKey = bucketStart(addDays(key, -1), period);
    while (dayNumber(key) < toNumber) {
      if (buckets.length >= maxBuckets) {
        throw new UnitcostError('invalid_argument', `a report by ${period} from ${window.from} to ${window.to} would have more than ${maxBuckets} rows per group; choose a longer --period or a shorter window`, { field: 'period' });
      }
      const next = nextBucketStart(key, period);
      const current = sliceFor(dayNumber(key) < fromNumber ? window.from : key, dayNumber(next) > toNumber ? window.to : next);
      buckets.push({ key, current, previous: sliceFor(previousKey, key) });
      previousKey = key;
      key = next;
    }
  }
  const monthParts: MonthPart[] = [];
  for (const slice of slices) {
    let start = slice.from;
    while (start < slice.to) {
      const month = bucketStart(start, 'month');
      const monthEnd = nextBucketStart(month, 'month');
      const end = monthEnd < slice.to ? monthEnd : slice.to;
      monthParts.push({ sliceId: slice.id, month, days: dayNumber(end) - dayNumber(start), monthDays: dayNumber(monthEnd) - dayNumber(month) });
      start = end;
    }
  }
  const rangeFrom = slices.reduce((earliest, slice) => (slice.from < earliest ? slice.from : earliest), window.from);
  const rangeTo = slices.reduce((latest, slice) => (slice.to > latest ? slice.to : latest), window.to);
  const lastMonth = bucketStart(addDays(rangeTo, -1), 'month');
  return {
    window,
    previousWindow,
    period,
    buckets,
    slices,
    monthParts,
    range: { from: rangeFrom, to: rangeTo },
    monthRange: { from: bucketStart(rangeFrom, 'month'), to: nextBucketStart(lastMonth, 'month') },
  };
}

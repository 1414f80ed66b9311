import { addDays, dayNumber, nextBucketStart } from '../../kpi/report-periods.js';
import { UnitcostError } from '../../unitcost-error.js';

/** A statement's period: whole UTC days [from, to), and how it is written (2026-11, 2026-W47, 2026-11-03..2026-11-16). */
export interface StatementPeriod {
  label: string;
  from: string;
  /** The first day after the period. */
  to: string;
}

/**
 * Reads --period (a month YYYY-MM or an ISO week YYYY-Www) or --from/--to (days, --to being the first day
 * after): exactly one of the two forms.
 */
export function parseStatementPeriod(options: { period?: string; from?: string; to?: string }): StatementPeriod {
  if (options.period !== undefined) {
    if (options.from !== undefined || options.to !== undefined) {
      throw new UnitcostError('invalid_argument', '--period and --from/--to name the same thing: give one or the other', { field: '--period' });
    }
    return periodOf(options.period.trim());
  }
  if (options.from === undefined || options.to === undefined) {
    throw new UnitcostError('invalid_argument', 'a statement needs a period: --period 2026-11 (a month), --period 2026-W47 (an ISO week), or --from and --to (days)', {
      field: options.from === undefined ? '--from' : '--to',
    });
  }
  const from = checkedDay(options.from, '--from');
  const to = checkedDay(options.to, '--to');
  if (to <= from) throw new UnitcostError('invalid_argument', `--to ${to} must come after --from ${from} (--to is the first day after the period)`, { field: '--to' });
  return { label: `${from}..${addDays(to, -1)}`, from, to };
}

/** Whether two periods share a day. */
export function periodsOverlap(left: { from: string; to: string }, right: { from: string; to: string }): boolean {
  return left.from < right.to && right.from < left.to;
}

function periodOf(value: string): StatementPeriod {
  const month = /^(\d{4})-(\d{2})$/.exec(value);
  if (month) {
    const from = `${value}-01`;
    if (Number(month[2]) < 1 || Number(month[2]) > 12) throw new UnitcostError('invalid_argument', `--period ${value} is not a month: months are 01 to 12`, { field: '--period' });
    return { label: value, from, to: nextBucketStart(from, 'month') };
  }
  const week = /^(\d{4})-W(\d{2})$/i.exec(value);
  if (week) {
    const year = Number(week[1]);
    const number = Number(week[2]);
    // ISO week 1 is the week holding January 4th; weeks start on Monday.
    const january4 = dayNumber(`${week[1]}-01-04`);
    const week1Monday = january4 - ((january4 + 3) % 7);
    const from = week1Monday + (number - 1) * 7;
    const weeksInYear = isoWeeksIn(year);
    if (number < 1 || number > weeksInYear) {
      throw new UnitcostError('invalid_argument', `--period ${value}: ${year} has ISO weeks 01 to ${weeksInYear}`, { field: '--period' });
    }
    const fromDay = new Date(from * 86_400_000).toISOString().slice(0, 10);
    return { label: `${year}-W${week[2]}`, from: fromDay, to: addDays(fromDay, 7) };
  }
  throw new UnitcostError('invalid_argument', `--period must be a month (2026-11) or an ISO week (2026-W47), got "${value}"; for other days use --from and --to`, { field: '--period' });
}

// A year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday.
function isoWeeksIn(year: number): number {
  const weekday = (day: string) => (((dayNumber(day) + 3) % 7) + 7) % 7; // 0 = Monday
  const first = weekday(`${year}-01-01`);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return first === 3 || (leap && first === 2) ? 53 : 52;
}

function checkedDay(value: string, flag: string): string {
  try {
    dayNumber(value);
  } catch {
    throw new UnitcostError('invalid_argument', `${flag} must be a date YYYY-MM-DD (UTC), got "${value}"`, { field: flag });
  }
  return value;
}

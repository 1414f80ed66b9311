/**
 * Reads the timestamps of the event format: an ISO 8601 date and time, `T` or a space between them,
 * seconds and fraction optional, a zone of `Z`, `±hh:mm` or `±hhmm`, and UTC when the zone is left out
 * (as log lines often do). Hand-written rather than Date.parse, which accepts 2026-02-30 by rolling it
 * over to March 2nd, and because ingest reads every event's timestamp.
 */

/** The pattern the schema documents; parseTimestampMs accepts exactly these strings, when the date is real. */
export const timestampPattern = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

const millisecondsPerDay = 86_400_000;
const zero = 48; // char code of '0'

/** Milliseconds since the epoch of a timestamp, or undefined when it is malformed or names no real instant. */
export function parseTimestampMs(value: string): number | undefined {
  const length = value.length;
  if (length < 16) return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return undefined;
  if (value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(13) !== 58) return undefined;
  const separator = value.charCodeAt(10);
  if (separator !== 84 && separator !== 32) return undefined; // 'T' or ' '
  let position = 16;
  let second = 0;
  let millisecond = 0;
  if (value.charCodeAt(position) === 58) {
    second = digits(value, position + 1, 2);
    if (second < 0) return undefined;
    position += 3;
    if (value.charCodeAt(position) === 46) {
      // Any number of fraction digits; what lies below a millisecond is dropped, not rounded.
      position += 1;
      const start = position;
      while (position < length && isDigit(value.charCodeAt(position))) {
        if (position - start < 3) millisecond = millisecond * 10 + (value.charCodeAt(position) - zero);
        position += 1;
      }
      if (position === start) return undefined;
      for (let padding = position - start; padding < 3; padding += 1) millisecond *= 10;
    }
  }
  let offsetMinutes = 0;
  if (position < length) {
    const zone = value.charCodeAt(position);
    if (zone === 90) {
      position += 1; // 'Z'
    } else if (zone === 43 || zone === 45) {
      const zoneHours = digits(value, position + 1, 2);
      const colon = value.charCodeAt(position + 3) === 58 ? 1 : 0;
      const zoneMinutes = digits(value, position + 3 + colon, 2);
      if (zoneHours < 0 || zoneMinutes < 0 || zoneHours > 23 || zoneMinutes > 59) return undefined;
      offsetMinutes = (zone === 43 ? 1 : -1) * (zoneHours * 60 + zoneMinutes);
      position += 5 + colon;
    } else {
      return undefined;
    }
  }
  if (position !== length) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const days = daysFromCivil(year, month, day);
  return days * millisecondsPerDay + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millisecond;
}

function digits(value: string, start: number, count: number): number {
  let result = 0;
  for (let index = start; index < start + count; index += 1) {
    const code = value.charCodeAt(index);
    if (!isDigit(code)) return -1;
    result = result * 10 + (code - zero);
  }
  return result;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil), exact for every
// four-digit year, where Date.UTC would read years 0–99 as 1900–1999.
function daysFromCivil(year: number, month: number, day: number): number {
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

import { distance } from 'fastest-levenshtein';
import { UnitcostError } from '../unitcost-error.js';
import { reportDimensions, type ReportDimension, type ReportFilter } from './report-aggregates.js';
import { reportFields, type ReportField } from './report-fields.js';
import { reportPeriods, type ReportPeriod } from './report-periods.js';

/**
 * Reading what a user asked a report for: the groups (`--by feature,model,time`), the filters
 * (`--where team=search`) and the period. Names are checked against the fixed list here, once, so that
 * nothing a user typed reaches a query as anything but a bound value.
 */

/** The groups of a report, and whether it is also bucketed by time. */
export interface ReportGrouping {
  groupBy: ReportDimension[];
  byTime: boolean;
}

/**
 * Reads `--by` values: comma-separated dimensions, and `time` for a row per period. `flag` names the field in
 * errors: `--by` on the command line, `by` for an HTTP query parameter.
 */
export function parseGroupBy(values: readonly string[], flag = '--by'): ReportGrouping {
  const groupBy: ReportDimension[] = [];
  let byTime = false;
  for (const name of values.flatMap((value) => value.split(',')).map((part) => part.trim()).filter((part) => part !== '')) {
    if (name === 'time') {
      byTime = true;
      continue;
    }
    const dimension = knownDimension(name, flag, true);
    if (!groupBy.includes(dimension)) groupBy.push(dimension);
  }
  return { groupBy, byTime };
}

/** Reads `--where tag=value` filters (`where` over HTTP); the same tag given twice keeps rows matching either value. */
export function parseWhere(values: readonly string[], flag = '--where'): ReportFilter[] {
  const filters: ReportFilter[] = [];
  for (const value of values) {
    const equals = value.indexOf('=');
    if (equals <= 0 || equals === value.length - 1) {
      const example = flag.startsWith('--') ? `${flag} team=search` : `${flag}=team=search`;
      throw new UnitcostError('invalid_argument', `${flag} must be tag=value, e.g. ${example}, got "${value}"`, { field: flag });
    }
    const dimension = knownDimension(value.slice(0, equals).trim(), flag, false);
    const wanted = value.slice(equals + 1);
    const existing = filters.find((filter) => filter.dimension === dimension);
    if (existing) {
      if (!existing.values.includes(wanted)) existing.values.push(wanted);
    } else {
      filters.push({ dimension, values: [wanted] });
    }
  }
  return filters;
}

/** Reads `--period`. */
export function parsePeriod(value: string, flag = '--period'): ReportPeriod {
  if ((reportPeriods as readonly string[]).includes(value)) return value as ReportPeriod;
  throw new UnitcostError('invalid_argument', `${flag} must be one of ${reportPeriods.join(', ')}, got "${value}"`, { field: flag });
}

/**
 * Reads `--top` (`top` over HTTP): the costliest rows of each period to list, a whole number from 1 to
 * 1,000,000 (more rows than that is every row of any report a page or a terminal can show).
 */
export function parseTop(value: string, flag = '--top'): number {
  const rows = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isSafeInteger(rows) || rows < 1 || rows > maxTopRows) {
    throw new UnitcostError('invalid_argument', `${flag} must be a whole number of rows from 1 to ${maxTopRows.toLocaleString('en-US')}, got "${value}"`, { field: flag });
  }
  return rows;
}

const maxTopRows = 1_000_000;

/**
 * Reads `--fields` (`fields` over HTTP): the measures each row should carry, comma-separated or repeated, in the
 * order given (a name given twice counts once). Names are the JSON's (docs/reports.md), dashes accepted for
 * underscores; an unknown one is refused with the names it is closest to.
 */
export function parseFields(values: readonly string[], flag = '--fields'): ReportField[] {
  const fields: ReportField[] = [];
  const names = values.flatMap((value) => value.split(',')).map((part) => part.trim()).filter((part) => part !== '');
  if (names.length === 0) {
    const example = flag.startsWith('--') ? `${flag} calls,cost_usd` : `${flag}=calls,cost_usd`;
    throw new UnitcostError('invalid_argument', `${flag} names no measure: give one or more of the report's measures, e.g. ${example}`, { field: flag });
  }
  for (const name of names) {
    const normalized = name.toLowerCase().replaceAll('-', '_');
    if (!(reportFields as readonly string[]).includes(normalized)) {
      const suggestions = nearestFields(normalized);
      throw new UnitcostError(
        'invalid_argument',
        `${flag} cannot use "${name}": not a measure of a report${suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : ''}; choose from ${reportFields.join(', ')}`,
        { field: flag, suggestions },
      );
    }
    if (!fields.includes(normalized as ReportField)) fields.push(normalized as ReportField);
  }
  return fields;
}

/**
 * The measure names closest to a mistyped one, at most five: by edit distance, or holding each of its words
 * (`cost_per_user` → cost_per_active_user_month_usd), nearest first.
 */
function nearestFields(name: string): string[] {
  const words = name.split('_').filter((word) => word.length > 0);
  const ranked = reportFields
    .map((field) => ({ field, distance: distance(field, name) }))
    .filter(({ field, distance: edits }) => edits <= Math.max(2, Math.floor(name.length / 4)) || (words.length > 0 && words.every((word) => field.split('_').includes(word))))
    .sort((a, b) => a.distance - b.distance);
  return ranked.slice(0, 5).map(({ field }) => field);
}

function knownDimension(name: string, flag: string, timeAllowed: boolean): ReportDimension {
  const normalized = name.toLowerCase().replaceAll('-', '_');
  if ((reportDimensions as readonly string[]).includes(normalized)) return normalized as ReportDimension;
  const choices = timeAllowed ? [...reportDimensions, 'time'] : [...reportDimensions];
  const suggestions = choices.filter((choice) => distance(choice, normalized) <= 2);
  throw new UnitcostError('invalid_argument', `${flag} cannot use "${name}": choose from ${choices.join(', ')}`, { field: flag, suggestions });
}

import { changeMeasures } from '../core/kpi/report-measures.js';
import type { ReportField } from '../core/kpi/report-fields.js';

/*
 * What a report narrowed to some fields (`--fields`) must print, made from the JSON of the full report: the same
 * document with `fields` after `group_by`, and each row and the totals cut to their keys, period and those
 * measures in the order asked, with `previous` and `change` cut alike. Tests compare the narrowed report's JSON
 * text with this one's, so both the values and the order of keys are held.
 */

type Json = Record<string, unknown>;

/** The full report's JSON (reportJson) as the report narrowed to `fields` prints it. */
export function narrowedReportJson(full: Json, fields: readonly ReportField[]): Json {
  const groupBy = full.group_by as string[];
  const measuresOf = (values: Json): Json => Object.fromEntries(fields.map((field) => [field, values[field]]));
  const changesOf = (change: Json): Json => Object.fromEntries(fields.filter((field) => field in changeMeasures).map((field) => [field, change[field]]));
  const { window, previous_window, period, group_by, where, revenue, rows, totals, ...rest } = full;
  return {
    window,
    previous_window,
    period,
    group_by,
    fields,
    where,
    revenue,
    rows: (rows as Json[]).map((row) => ({
      ...Object.fromEntries(groupBy.map((dimension) => [dimension, row[dimension]])),
      ...(row.period_start === undefined ? {} : { period_start: row.period_start, period_end: row.period_end }),
      ...measuresOf(row),
      previous: row.previous === null ? null : measuresOf(row.previous as Json),
      change: changesOf(row.change as Json),
    })),
    totals: { ...measuresOf(totals as Json), previous: measuresOf((totals as Json).previous as Json), change: changesOf((totals as Json).change as Json) },
    // The Pareto view, the unpriced calls, top and group_count: as the full report's.
    ...rest,
  };
}

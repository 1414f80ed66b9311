import type { RevenueAttribution } from '../events/plans.js';
import { paretoCut, type ParetoView } from './pareto-cut.js';
import type { ReportAggregates, ReportDimension, ReportFilter } from './report-aggregates.js';
import { narrowedChanges, narrowedMeasures, type NarrowedChanges, type NarrowedMeasures, type ReportField } from './report-fields.js';
import { measureChanges, reportMeasures, type MeasureChanges, type ReportMeasures } from './report-measures.js';
import type { DayWindow, ReportPeriod } from './report-periods.js';
import { usd } from './unit-ratios.js';

/** One row of a report as people and scripts read it: keys, measures, the previous period and the change. */
export interface ReportRow {
  keys: Partial<Record<ReportDimension, string | null>>;
  /** The row's days when the report is bucketed by time. */
  period: DayWindow | null;
  measures: ReportMeasures;
  previous: ReportMeasures | null;
  change: MeasureChanges;
}

/** A request type of the Pareto view. */
export interface RequestType {
  feature: string | null;
  model: string;
}

/** A whole report. */
export interface Report {
  window: DayWindow | null;
  previousWindow: DayWindow | null;
  period: ReportPeriod | null;
  groupBy: ReportDimension[];
  where: ReportFilter[];
  revenueTracked: boolean;
  attribution: RevenueAttribution['method'];
  rows: ReportRow[];
  totals: { measures: ReportMeasures; previous: ReportMeasures; change: MeasureChanges };
  /** The request types (feature × model) ranked by spend, and the fewest that make 80% of it. */
  pareto: ParetoView<RequestType>;
  /** Calls the catalog could not price: counted everywhere, in no cost. */
  unpriced: { calls: number; inputTokens: number; outputTokens: number; models: Array<{ model: string; calls: number }> };
  /** When only the top rows were asked for: how many per bucket, and how many rows with calls the whole report has. */
  top?: { rows: number; groupCount: number };
}

/** One row of a report narrowed to some measures (`--fields`): only those, their previous values and their changes. */
export interface NarrowedReportRow {
  keys: Partial<Record<ReportDimension, string | null>>;
  period: DayWindow | null;
  measures: NarrowedMeasures;
  previous: NarrowedMeasures | null;
  change: NarrowedChanges;
}

/**
 * A report narrowed to the measures named in `fields`: the full report's rows, in its order, each with only those
 * measures (and so its totals); the Pareto view and what could not be priced are the full report's.
 */
export interface NarrowedReport extends Omit<Report, 'rows' | 'totals'> {
  fields: ReportField[];
  rows: NarrowedReportRow[];
  totals: { measures: NarrowedMeasures; previous: NarrowedMeasures; change: NarrowedChanges };
}

/** What a report was asked for, as buildReport needs it. */
export interface ReportRequest {
  groupBy: ReportDimension[];
  period: ReportPeriod | null;
  where: ReportFilter[];
  attribution: RevenueAttribution['method'];
}

/** Whether a report was narrowed to some measures. */
export function isNarrowedReport(report: Report | NarrowedReport): report is NarrowedReport {
  return 'fields' in report && Array.isArray(report.fields);
}

/** Turns a store's exact sums into the report's measures, changes and Pareto view. */
export function buildReport(aggregates: ReportAggregates, request: ReportRequest): Report {
  const tracked = aggregates.revenueTracked;
  const rows = aggregates.rows.map((row) => {
    const measures = reportMeasures(row.current, tracked);
    const previous = row.previous ? reportMeasures(row.previous, tracked) : null;
    return { keys: row.keys, period: request.period ? row.bucket : null, measures, previous, change: measureChanges(measures, previous) };
  });
  const totals = reportMeasures(aggregates.totals.current, tracked);
  const previousTotals = reportMeasures(aggregates.totals.previous, tracked);
  return {
    ...reportFrame(aggregates, request),
    rows,
    totals: { measures: totals, previous: previousTotals, change: measureChanges(totals, aggregates.totals.previous.calls > 0 ? previousTotals : null) },
    ...reportTail(aggregates),
  };
}

/**
 * buildReport narrowed to `fields`: each row's measures, previous values and changes are only those named, computed
 * as buildReport computes them (and from aggregates a store may have summed for those fields alone: sumsOfFields).
 */
export function buildNarrowedReport(aggregates: ReportAggregates, request: ReportRequest & { fields: readonly ReportField[] }): NarrowedReport {
  const tracked = aggregates.revenueTracked;
  const fields = [...request.fields];
  const rows = aggregates.rows.map((row) => {
    const measures = narrowedMeasures(row.current, tracked, fields);
    const previous = row.previous ? narrowedMeasures(row.previous, tracked, fields) : null;
    return { keys: row.keys, period: request.period ? row.bucket : null, measures, previous, change: narrowedChanges(measures, previous, fields) };
  });
  const totals = narrowedMeasures(aggregates.totals.current, tracked, fields);
  const previousTotals = narrowedMeasures(aggregates.totals.previous, tracked, fields);
  return {
    ...reportFrame(aggregates, request),
    fields,
    rows,
    totals: { measures: totals, previous: previousTotals, change: narrowedChanges(totals, aggregates.totals.previous.calls > 0 ? previousTotals : null, fields) },
    ...reportTail(aggregates),
  };
}

/** What a report says of itself: its days, groups, filters and revenue. */
function reportFrame(aggregates: ReportAggregates, request: ReportRequest): Pick<Report, 'window' | 'previousWindow' | 'period' | 'groupBy' | 'where' | 'revenueTracked' | 'attribution'> {
  return {
    window: aggregates.window,
    previousWindow: aggregates.previousWindow,
    period: request.period,
    groupBy: request.groupBy,
    where: request.where,
    revenueTracked: aggregates.revenueTracked,
    attribution: request.attribution,
  };
}

/** The report's Pareto view, its unpriced calls and its top: the same whichever measures its rows carry. */
function reportTail(aggregates: ReportAggregates): Pick<Report, 'pareto' | 'unpriced' | 'top'> {
  const unpricedModels = new Map<string, number>();
  for (const type of aggregates.requestTypes) {
    if (type.unpricedCalls > 0) unpricedModels.set(type.model, (unpricedModels.get(type.model) ?? 0) + type.unpricedCalls);
  }
  return {
    pareto: paretoCut(
      [...aggregates.requestTypes]
        .filter((type) => type.calls > type.unpricedCalls)
        .sort((a, b) => compareNullable(a.feature, b.feature) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0))
        .map((type) => ({ key: { feature: type.feature, model: type.model }, costPicodollars: type.costPicodollars })),
    ),
    unpriced: {
      calls: aggregates.totals.current.unpricedCalls,
      inputTokens: aggregates.totals.current.unpricedInputTokens,
      outputTokens: aggregates.totals.current.unpricedOutputTokens,
      models: [...unpricedModels].map(([model, calls]) => ({ model, calls })).sort((a, b) => b.calls - a.calls || (a.model < b.model ? -1 : 1)),
    },
    ...(aggregates.top ? { top: aggregates.top } : {}),
  };
}

/** A report row as one flat record of stable snake_case names: keys, period, measures and `<measure>_change`. */
export function flatReportRow(row: ReportRow | NarrowedReportRow, groupBy: readonly ReportDimension[]): Record<string, string | number | null> {
  const record: Record<string, string | number | null> = {};
  for (const dimension of groupBy) record[dimension] = row.keys[dimension] ?? null;
  if (row.period) {
    record.period_start = row.period.from;
    record.period_end = row.period.to;
  }
  Object.assign(record, row.measures);
  for (const [name, value] of Object.entries(row.change)) record[`${name}_change`] = value;
  return record;
}

/**
 * The report as JSON: every row carries its keys and measures, with the previous period and the change beside.
 * A narrowed report also names its `fields`, and its rows carry only those.
 */
export function reportJson(report: Report | NarrowedReport): Record<string, unknown> {
  return {
    window: report.window,
    previous_window: report.previousWindow,
    period: report.period,
    group_by: report.groupBy,
    // Only when asked for (--fields, fields=): a report of every measure prints exactly as before.
    ...(isNarrowedReport(report) ? { fields: report.fields } : {}),
    where: Object.fromEntries(report.where.map((filter) => [filter.dimension, filter.values])),
    revenue: { tracked: report.revenueTracked, attribution: report.attribution },
    rows: (report.rows as Array<ReportRow | NarrowedReportRow>).map((row) => reportRowJson(report, row)),
    totals: { ...report.totals.measures, previous: report.totals.previous, change: report.totals.change },
    pareto: {
      target_share: report.pareto.targetShare,
      cut_size: report.pareto.cutSize,
      request_type_count: report.pareto.entries.length,
      request_types: report.pareto.entries.map((entry) => ({
        feature: entry.key.feature,
        model: entry.key.model,
        cost_usd: usd(entry.costPicodollars),
        share: entry.share,
        cumulative_share: entry.cumulativeShare,
        in_cut: entry.inCut,
      })),
    },
    unpriced: {
      calls: report.unpriced.calls,
      input_tokens: report.unpriced.inputTokens,
      output_tokens: report.unpriced.outputTokens,
      models: report.unpriced.models,
    },
    // Only when asked for (--top, top=): a report of every row prints exactly as before.
    ...(report.top ? { top: report.top.rows, group_count: report.top.groupCount } : {}),
  };
}

/** One row of reportJson. */
function reportRowJson(report: Report | NarrowedReport, row: ReportRow | NarrowedReportRow): Record<string, unknown> {
  return {
    ...Object.fromEntries(report.groupBy.map((dimension) => [dimension, row.keys[dimension] ?? null])),
    ...(row.period ? { period_start: row.period.from, period_end: row.period.to } : {}),
    ...row.measures,
    previous: row.previous,
    change: row.change,
  };
}

// Stands for the rows in the JSON text of the rest: a string no report value can be (JSON escapes its NUL characters).
const rowsPlaceholder = '\u0000unitcost-report-rows\u0000';

/**
 * The text of `JSON.stringify(reportJson(report), null, 2)`, byte for byte, in pieces of about `rowsPerPiece` rows:
 * at 10⁵ users a full report is ~150 MB of JSON, and as one string, with every row's object alive until it is
 * built, it cost seconds of garbage collection for what a stream of rows writes as it goes.
 */
export function* reportJsonPieces(report: Report | NarrowedReport, rowsPerPiece = 500): Generator<string> {
  const text = JSON.stringify({ ...reportJson({ ...report, rows: [] } as Report), rows: rowsPlaceholder }, null, 2);
  // The top level's "rows" key, at its indentation: no value nested deeper can print as this.
  const marker = `\n  "rows": ${JSON.stringify(rowsPlaceholder)}`;
  const at = text.indexOf(marker) + '\n  "rows": '.length;
  yield text.slice(0, at);
  const rows = report.rows as Array<ReportRow | NarrowedReportRow>;
  if (rows.length === 0) yield '[]';
  // A piece's rows as the value of a top-level key print at the depth the report's rows print at: cut that key away.
  const opening = '{\n  "rows": [\n';
  const closing = '\n  ]\n}';
  for (let start = 0; start < rows.length; start += rowsPerPiece) {
    const piece = rows.slice(start, start + rowsPerPiece).map((row) => reportRowJson(report, row));
    const pieceText = JSON.stringify({ rows: piece }, null, 2);
    const last = start + rowsPerPiece >= rows.length;
    yield `${start === 0 ? '[\n' : ',\n'}${pieceText.slice(opening.length, pieceText.length - closing.length)}${last ? '\n  ]' : ''}`;
  }
  yield text.slice(at + JSON.stringify(rowsPlaceholder).length);
}

/** Orders group keys: the untagged group (null) first, then by value. */
export function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

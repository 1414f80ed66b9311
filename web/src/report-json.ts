/*
 * The parts of `unitcost report --json` and `unitcost kpis --json` the dashboard reads, by the stable
 * snake_case names of docs/reports.md. The measures and checks are the core's own types, imported as types
 * only (nothing of the core is bundled), so the page cannot drift from what the server sends.
 */
import type { KpiCheck } from '../../src/core/kpi/kpi-thresholds.js';
import type { ReportMeasures } from '../../src/core/kpi/report-measures.js';

/** The measures of a report row the dashboard shows. */
export type Measures = ReportMeasures;

/** One report row: its group keys, its time bucket when bucketing by period, and its measures. */
export type ReportRow = Measures & Record<string, unknown>;

/** A report. */
export interface ReportJson {
  rows: ReportRow[];
  totals?: Measures;
  window?: { from: string; to: string } | null;
  /** Present when only the top rows were asked for (top=): how many, and how many rows with calls the whole report has. */
  top?: number;
  group_count?: number;
}

/** One KPI against its threshold. */
export type { KpiCheck };

/** The KPI dashboard: the checks of the whole product and of each feature. */
export interface KpisJson {
  period: string;
  window: { from: string; to: string } | null;
  previous_window: { from: string; to: string } | null;
  overall: { measures: Measures; checks: KpiCheck[] };
  features: Array<{ feature: string | null; measures: Measures; checks: KpiCheck[] }>;
}

/** A row's value of a group key ("(none)" when the events carried no such tag). */
export function keyOf(row: ReportRow, dimension: string): string {
  const value = row[dimension] ?? (row.keys as Record<string, unknown> | undefined)?.[dimension];
  return value === null || value === undefined ? '(none)' : String(value);
}

/** The first day of a row's time bucket. */
export function bucketOf(row: ReportRow): string {
  const value = row.period_start ?? row.period ?? (row.bucket as { from?: string } | undefined)?.from ?? row.from;
  return String(value ?? '');
}

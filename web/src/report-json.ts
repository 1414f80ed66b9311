/*
 * The parts of `unitcost report --json` and `unitcost kpis --json` the dashboard reads, by the stable
 * snake_case names of docs/reports.md.
 */

/** The measures of a report row the dashboard shows. */
export interface Measures {
  calls: number;
  unpriced_calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number | null;
  cost_per_call_usd: number | null;
  successful_tasks: number;
  cost_per_successful_task_usd: number | null;
  active_users: number;
  cost_per_active_user_month_usd: number | null;
  revenue_usd: number | null;
  inference_margin: number | null;
  output_input_ratio: number | null;
  prompt_cache_hit_rate: number | null;
  response_cache_hit_rate: number | null;
  budget_cost_share: number | null;
  mid_cost_share: number | null;
  frontier_cost_share: number | null;
  budget_call_share: number | null;
  mid_call_share: number | null;
  frontier_call_share: number | null;
}

/** One report row: its group keys, its time bucket when bucketing by period, and its measures. */
export type ReportRow = Measures & Record<string, unknown>;

/** A report. */
export interface ReportJson {
  rows: ReportRow[];
  totals?: Measures;
  window?: { from: string; to: string } | null;
}

/** One KPI against its threshold. */
export interface KpiCheck {
  kpi: string;
  value: number | null;
  previous: number | null;
  change: number | null;
  limit: number | null;
  rule: string;
  status: 'ok' | 'breach' | 'no_data';
}

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

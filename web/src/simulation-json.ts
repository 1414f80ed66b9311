import type { Measures } from './report-json.js';

/*
 * The parts of POST /v1/simulate's answer the what-if page reads: SimulationResult of
 * src/core/simulate/simulation-result.ts, documented in docs/simulate.md.
 */

/** scenario − baseline for each measure. */
export type MeasureDelta = { [Name in keyof Measures]: number | null };

/** Baseline against scenario for one group. */
export interface Comparison {
  baseline: Measures;
  scenario: Measures;
  delta: MeasureDelta;
  savings_usd: number;
  savings_usd_per_month: number;
  savings_percent: number | null;
}

/** The quality a lever puts at risk. */
export interface LeverRisk {
  calls_truncated: number;
  calls_to_weaker_model: number;
  answers_from_cache: number;
  calls_escalated: number;
  sessions_cut: number;
  calls_dropped: number;
}

/** What the simulator answers. */
export interface SimulationJson {
  scenario: { name: string | null; levers: string[] };
  window: { from: string; to: string; days: number };
  month_days: number;
  total: Comparison & { calls_touched: number; sessions_touched: number; users_at_loss_before: number; users_at_loss_after: number };
  features: Array<Comparison & { feature: string | null; calls_touched: number; sessions_touched: number }>;
  tiers: Array<Comparison & { user_tier: string | null; users_at_loss_before: number; users_at_loss_after: number }>;
  levers: Array<{ index: number; kind: string; label: string; features: string[]; calls_touched: number; sessions_touched: number; risk: LeverRisk; details: Record<string, unknown> }>;
  notes: string[];
}

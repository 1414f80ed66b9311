import type { ReportMeasures } from '../kpi/report-measures.js';

/**
 * What `unitcost simulate --json`, the library's simulate() and POST /v1/simulate return: the recorded
 * calls replayed under a scenario, baseline against scenario, per feature, per user tier and in total.
 * The shape is documented in docs/simulate.md; the dashboard's what-if page reads it, so change it only
 * by adding fields.
 */

/** The lever kinds, in the order they apply (docs/simulate.md, "Order"). */
export const leverKinds = [
  'route',
  'prompt_cache',
  'response_cache',
  'output_cap',
  'prompt_trim',
  'session_limit',
  'price_change',
  'fine_tune',
  'self_host',
  'plans',
] as const;

/** One kind of lever. */
export type LeverKind = (typeof leverKinds)[number];

/** The measures of one group: exactly the names and meanings of `unitcost report --json` (docs/reports.md). */
export type SimulationMeasures = ReportMeasures;

/** scenario − baseline for every numeric measure (rates and margins in points of fraction); null when either side is null. */
export type SimulationDelta = { [Name in keyof ReportMeasures]: ReportMeasures[Name] extends string | null ? never : number | null };

/** The quality a lever puts at risk, counted in calls and sessions of the replay. */
export interface LeverRisk {
  /** Calls whose output the output cap cut short. */
  calls_truncated: number;
  /** Calls sent to a model of a lower tier (budget < mid < frontier) or to a fine-tuned/self-hosted model. */
  calls_to_weaker_model: number;
  /** Calls answered from the semantic response cache instead of a model. */
  answers_from_cache: number;
  /** Calls of a cascade or a misroute that were re-run on the stronger model (paid twice). */
  calls_escalated: number;
  /** Sessions ended early by a step cap or a session budget, and the calls they no longer make. */
  sessions_cut: number;
  calls_dropped: number;
  /** Calls moved to a provider's batch API: their answers arrive within 24 hours, not at once. */
  calls_delayed: number;
}

/** A detail value a lever reports: a figure, a model name, a verdict, or a small table. */
export type LeverDetailValue = number | string | boolean | null | Array<Record<string, number | string | boolean | null>>;

/** What one lever of the scenario did to the recorded traffic. */
export interface LeverOutcome {
  /** Position in the scenario's `levers` list, from 0. */
  index: number;
  kind: LeverKind;
  /** A one-line description, e.g. "route 70% of coding-agent to anthropic/claude-sonnet-4-6". */
  label: string;
  /** The features it applies to (every feature when the lever names none). */
  features: string[];
  calls_touched: number;
  sessions_touched: number;
  risk: LeverRisk;
  /** Kind-specific figures (break-even hit rates, payback days, break-even tokens, …): see docs/simulate.md. */
  details: Record<string, LeverDetailValue>;
}

/** Baseline against scenario for one group, with the savings. */
export interface SimulatedComparison {
  baseline: SimulationMeasures;
  scenario: SimulationMeasures;
  delta: SimulationDelta;
  /** baseline cost − scenario cost over the window (negative: the scenario costs more). */
  savings_usd: number;
  /** The same, per month of 30.4375 days (365.25 ÷ 12) at the window's rate. */
  savings_usd_per_month: number;
  /** savings ÷ baseline cost; null when the baseline cost is zero or unknown. */
  savings_percent: number | null;
}

/** One feature's comparison (feature null: calls without a feature tag). */
export interface SimulatedFeature extends SimulatedComparison {
  feature: string | null;
  /** Calls and sessions of this feature that at least one lever changed. */
  calls_touched: number;
  sessions_touched: number;
}

/** One user tier's comparison, with the users whose revenue did not cover their cost. */
export interface SimulatedTier extends SimulatedComparison {
  user_tier: string | null;
  users_at_loss_before: number;
  users_at_loss_after: number;
}

/** The whole result. */
export interface SimulationResult {
  scenario: { name: string | null; levers: LeverKind[] };
  /** The replayed window: whole UTC days [from, to). */
  window: { from: string; to: string; days: number };
  /** Days in the "month" of every $/month figure. */
  month_days: number;
  total: SimulatedComparison & { calls_touched: number; sessions_touched: number; users_at_loss_before: number; users_at_loss_after: number };
  features: SimulatedFeature[];
  tiers: SimulatedTier[];
  levers: LeverOutcome[];
  /** Things the reader should know: unpriced calls left at their recorded cost, approximations taken. */
  notes: string[];
}

/** One lever of `unitcost optimize`, run alone on the recorded traffic. */
export interface OptimizeEntry {
  rank: number;
  kind: LeverKind;
  label: string;
  /** The lever as it was simulated (the scenario-file form), so it can be pasted into a scenario. */
  lever: Record<string, unknown>;
  /** $/month saved net of one-off costs: the replay's savings − one_off_usd ÷ the amortization months. The ranking's key. */
  savings_usd_per_month: number;
  /** The replay's $/month saved (GPU-hours and fixed costs of self-hosting included), before one-off costs. */
  simulated_savings_usd_per_month: number;
  /** One-off costs of the lever (fine-tuning's training), in $, and the same per month of amortization. */
  one_off_usd: number;
  amortized_usd_per_month: number;
  /** savings_usd_per_month ÷ the baseline's cost per month; null when the baseline cost is zero or unknown. */
  savings_percent: number | null;
  risk: LeverRisk;
  calls_touched: number;
  /**
   * True when the saving is a ceiling rather than an estimate: the batch discount counts every call of the
   * features marked as tolerant of delay as moved to the batch API.
   */
  upper_bound: boolean;
  /** Each simulated lever's details, as in simulate's levers[].details (payback days, break-even tokens, …). */
  details: Array<{ label: string; details: Record<string, LeverDetailValue> }>;
}

/** A lever kind optimize ranked but did not stack, and why. */
export interface OptimizeLeftOut {
  kind: LeverKind;
  /** In words, e.g. "loses $626.24/mo alone" or "the stack saves $40.60/mo with it, $57.12/mo without". */
  reason: string;
  /** Its net $/month saved alone (the ranking's key). */
  alone_usd_per_month: number;
  /** The stack's net $/month with it minus without it; null when it was not tried (it loses money alone). */
  stack_change_usd_per_month: number | null;
}

/** What `unitcost optimize` returns: each default lever alone, ranked by $/month saved, then all stacked. */
export interface OptimizeResult {
  window: SimulationResult['window'];
  baseline_cost_usd: number | null;
  /** The defaults the levers were made of, after any --defaults file (docs/simulate.md, "unitcost optimize"). */
  defaults: Record<string, Record<string, number | string[] | null>>;
  ranked: OptimizeEntry[];
  stacked: {
    savings_usd_per_month: number;
    simulated_savings_usd_per_month: number;
    amortized_usd_per_month: number;
    savings_percent: number | null;
    risk: LeverRisk;
    levers: Array<Record<string, unknown>>;
    /** The kinds in the stack, in the order they were added (rank order). */
    kinds: LeverKind[];
    /** True when a lever of the stack is an upper bound (the batch discount). */
    upper_bound: boolean;
    /** The ranked kinds left out of the stack: they lose money alone, or the stack saved less with them. */
    left_out: LeverKind[];
    /** Why each of left_out is out, with the figures: its net $/month alone, and what adding it did to the stack's net $/month. */
    left_out_reasons: OptimizeLeftOut[];
  };
  /** Lever kinds not evaluated on this traffic, with why (plans when no call carries a user tier and user id). */
  skipped: Array<{ kind: LeverKind; reason: string }>;
  /** The plans lever: per user tier, the plan `unitcost plans` recommends and the margin now → with it; absent when not evaluated. */
  plans?: OptimizePlans;
}

/** What the plan `unitcost plans` recommends does to each user tier (docs/plans.md). */
export interface OptimizePlans {
  target_margin: number;
  tiers: Array<{
    user_tier: string;
    /** Null when no price point reaches the target margin (explanation says what would). */
    price_usd: number | null;
    allowance: number | null;
    allowance_unit: 'calls' | 'tasks' | 'usd';
    overage_usd_per_unit: number | null;
    margin_now: number | null;
    margin_with_plan: number | null;
    users_at_loss_now: number;
    users_at_loss_with_plan: number | null;
    explanation: string;
  }>;
}

/**
 * The contract between alert evaluation (which rules fire now) and alert delivery (incidents, webhooks,
 * the dashboard's alerts page). Evaluation is pure and stateless: it sees the store's figures and says
 * what is wrong *now*. Delivery keeps the state: it turns repeated evaluations of the same condition into
 * one incident, so a webhook fires once per incident, not once per evaluation.
 */

/** What kind of rule fired. */
export const alertKinds = ['kpi_threshold', 'budget_point', 'budget_projected_breach', 'spend_anomaly'] as const;

/** One kind of rule. */
export type AlertKind = (typeof alertKinds)[number];

/** How urgent an alert is: a warning can wait for the weekly review, a critical one cannot. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** One part of a spend change: how many dollars of it one driver explains. The parts of a cause add up to the change. */
export interface CauseContribution {
  /** calls (traffic), input_tokens_per_call (prompt growth), output_tokens_per_call (longer outputs), model_mix (routing), cache_hit_rate, price. */
  driver: 'calls' | 'input_tokens_per_call' | 'output_tokens_per_call' | 'model_mix' | 'cache_hit_rate' | 'price' | 'other';
  /** The dollars of the change this driver explains, in picodollars (negative when it pulled spend down). */
  deltaPicodollars: bigint;
  /** The driver's value before and after (calls, tokens per call, hit rate, …), for the sentence. */
  before?: number | undefined;
  after?: number | undefined;
  /** What the driver is about, when one thing: the model traffic moved to (model_mix). */
  detail?: string | undefined;
}

/** Why spend moved: the change decomposed exactly, and the top contributor in words. */
export interface AlertCause {
  /** Spend in the baseline and in the window that fired, picodollars. */
  baselinePicodollars: bigint;
  currentPicodollars: bigint;
  /** Sum of the contributions' deltaPicodollars is exactly current − baseline. */
  contributions: CauseContribution[];
  /** e.g. "support-faq: output tokens per call ×3.1 since 2026-08-12 explains 84% of +$6,020". */
  summary: string;
}

/** One alert as one evaluation sees it. */
export interface FiredAlert {
  /**
   * Stable identity of the condition: the same rule firing on the same scope for the same episode gets the
   * same key across evaluations (e.g. `anomaly:daily:feature=support-faq:2026-08-12`,
   * `budget_point:team-support:team=support:2026-08:0.8`). Delivery dedups on it.
   */
  key: string;
  /** The rule's name as configured (or the budget's name). */
  rule: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** The scope it fired on: tag → value ({} for all spend). */
  scope: Record<string, string>;
  /** hour, day, week or month: the grain the rule looked at. */
  grain: 'hour' | 'day' | 'week' | 'month';
  /** ISO timestamp of the start of the window that fired. */
  windowStart: string;
  /** One line a person reads in Slack: what is wrong, with the numbers. */
  title: string;
  /** The measured value and what it was compared with, in the rule's unit (dollars, a rate, a share). */
  value: number;
  threshold: number;
  /** For anomalies: how unusual (robust z-score or similar, higher is more unusual). */
  score?: number | undefined;
  /** For spend alerts: why spend moved. */
  cause?: AlertCause | undefined;
}

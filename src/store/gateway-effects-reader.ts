import type { ModelKey, SimulationRateRow } from '../core/simulate/replay-plan.js';
import type { PricingGroup, TimeRange } from './event-writer.js';

/**
 * The models the gateway's effects are priced at: the stored pairs of calls an output cap clamped (their own
 * price bounds what the cap saved), and the models calls were routed or cascaded away from, as the events name
 * them (the call's provider and the model in routed_from or the cascade's escalation model).
 */
export interface GatewayPricedModels {
  own: PricingGroup[];
  alternatives: Array<{ provider: string | null; model: string }>;
}

/** What the effects query prices with: numbered models and their rates, as the what-if replay takes them. */
export interface GatewayEffectsQuery {
  range: TimeRange;
  keys: ModelKey[];
  rates: SimulationRateRow[];
  /** The key of each stored (provider, model) pair of `own`. */
  ownKeys: Array<{ provider: string | null; model: string; key: number }>;
  /** The key each alternative (the call's provider, the model it was moved from) is priced at; absent: unpriced. */
  alternativeKeys: Array<{ provider: string | null; model: string; key: number }>;
  /** The escalation model of each cascade rule that names one (`then`); other rules escalate to the model asked for (routed_from). */
  cascadeTargets: CascadeTarget[];
}

/** A cascade rule's escalation model, as configured. */
export interface CascadeTarget {
  rule: number;
  model: string;
}

/** Calls one routing pair moved, and what the move saved: exact picodollars, from calls priced both ways. */
export interface GatewayRouteRow {
  from: string;
  provider: string | null;
  model: string;
  calls: number;
  /** Calls the saving could not be worked out for: either model has no price. */
  unpriced: number;
  actualPicodollars: bigint;
  alternativePicodollars: bigint;
}

/** The calls of one cascade rule and first model: answered by the first model, or escalated. */
export interface GatewayCascadeRow {
  rule: number | null;
  provider: string | null;
  /** The first model, and the one its calls escalate to. */
  model: string;
  escalationModel: string | null;
  /** First attempts, and those of them that escalated (matched to the escalated call of their task that followed). */
  first: number;
  escalated: number;
  /** Answered first attempts the saving could not be worked out for: either model has no price. */
  unpriced: number;
  /** What the first model's answered calls cost, and what they would have cost on the escalation model. */
  answeredPicodollars: bigint;
  answeredAtEscalationPicodollars: bigint;
  /** What the first attempts that escalated cost: spent on top of the escalated call. */
  escalatedFirstPicodollars: bigint;
}

/** Response-cache lookups of one feature and model (and kind: exact, semantic). */
export interface GatewayCacheRow {
  feature: string | null;
  provider: string | null;
  model: string;
  kind: string;
  hits: number;
  misses: number;
  missPicodollars: bigint;
  /** hits × the misses' average cost, in integer picodollars; null without a priced miss to average. */
  estimatedSavedPicodollars: bigint | null;
}

/** Calls one output-cap limit set or clamped. */
export interface GatewayOutputCapRow {
  limit: number;
  action: string;
  calls: number;
  /** Σ (requested − limit) over clamped calls: the most output tokens the cap kept from being generated. */
  tokensAboveLimit: bigint;
  /** Those tokens at each call's own output price: an upper bound of the saving; null for calls set (nothing was asked). */
  upperBoundPicodollars: bigint | null;
  unpriced: number;
}

/** Calls the gateway refused itself, by reason and the budget or session limit behind it. */
export interface GatewayRefusalRow {
  reason: string;
  budget: string | null;
  sessionLimit: string | null;
  calls: number;
}

/** The gateway's recorded effects over a range. */
export interface GatewayEffectsRows {
  calls: number;
  costPicodollars: bigint;
  firstMs: number | null;
  lastMs: number | null;
  softBudgetCalls: number;
  routes: GatewayRouteRow[];
  cascades: GatewayCascadeRow[];
  caches: GatewayCacheRow[];
  outputCaps: GatewayOutputCapRow[];
  refusals: GatewayRefusalRow[];
}

/** A store that can sum what the gateway's policies did to the calls it recorded. */
export interface GatewayEffectsReader {
  /** The models the effects of a range are priced at (see GatewayPricedModels). */
  gatewayPricedModels(range: TimeRange, cascadeTargets: CascadeTarget[]): Promise<GatewayPricedModels>;
  /** Sums the gateway's calls of a range per lever, exactly, repricing moved calls at the given rates. */
  gatewayEffects(query: GatewayEffectsQuery): Promise<GatewayEffectsRows>;
}

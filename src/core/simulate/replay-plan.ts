import type { Rates } from '../catalog/rate-card.js';
import type { ModelTier } from '../kpi/model-tier.js';

/**
 * A scenario compiled for the replay: features, models and shares resolved to the numbers the per-call
 * arithmetic needs. Both replays read it — the SQL one in src/store/sql/simulate-replay-queries.ts and the
 * reference in replay-calls.ts — so they cannot disagree on what a lever means.
 */

/** Draws are integers in [0, drawScale): a share s selects draws below round(s × drawScale). */
export const drawScale = 1_000_000;

/** The draw threshold of a share. */
export function drawThreshold(share: number): number {
  return Math.round(share * drawScale);
}

/**
 * The salt of a lever's draws, from its kind and features (not its place in the file, so that reordering a
 * scenario picks the same calls), with a second independent draw for escalations.
 */
export function drawSalt(drawKey: string, purpose: 'select' | 'escalate'): string {
  return purpose === 'select' ? drawKey : `${drawKey}:e`;
}

/** The draw key of a lever: its kind and sorted features ("*" for every feature). */
export function drawKeyOf(kind: string, features: FeatureSet): string {
  return `${kind}:${features === null ? '*' : [...features].sort().join(',')}`;
}

/** Features a lever covers; null for every feature. */
export type FeatureSet = readonly string[] | null;

/** A model the replay can price: the stored (provider, model) pairs and the lever targets, numbered. */
export interface ModelKey {
  key: number;
  provider: string | null;
  model: string;
  tier: ModelTier;
  /** (3 × input + output) ÷ 4 in picodollars per token at its first price: a cheaper model counts as weaker. Null when unpriced. */
  blendedRate: number | null;
}

/** One rate row: a model's rates over [fromMs, toMs), a slice of each day and a band of input size; null rates: unpriced there. */
export interface SimulationRateRow {
  key: number;
  fromMs: number;
  toMs: number;
  daySecondFrom: number;
  daySecondTo: number;
  /** Applies when inputAbove < input_tokens ≤ inputAtMost. */
  inputAbove: number;
  inputAtMost: number;
  rates: Rates | null;
}

export interface RoutePlan {
  lever: number;
  /** Salts the lever's draws (see drawSalt). */
  drawKey: string;
  features: FeatureSet;
  tiers: readonly string[] | null;
  inputAbove: number | null;
  inputAtMost: number | null;
  stepFrom: number | null;
  stepTo: number | null;
  selectBelow: number;
  toKey: number;
  /** Draw threshold of the calls re-run on the original model: the cascade's escalation share, else the misroute rate. */
  escalateBelow: number;
}

export interface FineTunePlan {
  lever: number;
  /** Salts the lever's draws (see drawSalt). */
  drawKey: string;
  features: FeatureSet;
  selectBelow: number;
  toKey: number;
}

export interface PromptCachePlan {
  lever: number;
  /** Salts the lever's draws (see drawSalt). */
  drawKey: string;
  features: FeatureSet;
  prefixTokens: number;
  hitBelow: number;
  oneHour: boolean;
}

export interface ResponseCachePlan {
  lever: number;
  /** Salts the lever's draws (see drawSalt). */
  drawKey: string;
  features: FeatureSet;
  hitBelow: number;
  /** A hit needs a previous call of the feature at most this old; null: no TTL. */
  ttlMs: number | null;
  lookupPicodollars: bigint;
}

export interface OutputCapPlan {
  lever: number;
  features: FeatureSet;
  maxTokens: number;
}

export interface PromptTrimPlan {
  lever: number;
  features: FeatureSet;
  /** Parts per million of the uncached input removed. */
  sharePpm: number;
  afterStep: number | null;
}

export interface SessionLimitPlan {
  lever: number;
  features: FeatureSet;
  maxSteps: number | null;
  maxSessionPicodollars: bigint | null;
}

export interface PriceChangePlan {
  lever: number;
  /** True when the whole rate table moved to another date: every call is repriced. */
  allCalls: boolean;
  /** Model keys whose rates the scenario overrides: their calls are repriced. */
  overriddenKeys: readonly number[];
  batch: { features: FeatureSet; discountPpm: number } | null;
}

export interface SelfHostPlan {
  lever: number;
  features: FeatureSet;
}

/** The compiled scenario. Per kind, the levers cover disjoint calls (the scenario loader refuses overlaps). */
export interface ReplayPlan {
  routes: RoutePlan[];
  fineTunes: FineTunePlan[];
  promptCaches: PromptCachePlan[];
  responseCaches: ResponseCachePlan[];
  outputCaps: OutputCapPlan[];
  trims: PromptTrimPlan[];
  priceChange: PriceChangePlan | null;
  sessionLimits: SessionLimitPlan[];
  selfHosts: SelfHostPlan[];
}

/** A plan that changes nothing. */
export function emptyReplayPlan(): ReplayPlan {
  return { routes: [], fineTunes: [], promptCaches: [], responseCaches: [], outputCaps: [], trims: [], priceChange: null, sessionLimits: [], selfHosts: [] };
}

/** True when a feature set covers a feature. */
export function covers(features: FeatureSet, feature: string | null): boolean {
  return features === null || (feature !== null && features.includes(feature));
}

/** The rate row covering a model at a time and input size, as the SQL join finds it; undefined when none. */
export function findRateRow(rows: readonly SimulationRateRow[], key: number, tsMs: number, inputTokens: number): SimulationRateRow | undefined {
  const daySecond = Math.floor(tsMs / 1000) % 86_400;
  return rows.find(
    (row) =>
      row.key === key &&
      tsMs >= row.fromMs &&
      tsMs < row.toMs &&
      daySecond >= row.daySecondFrom &&
      daySecond < row.daySecondTo &&
      inputTokens > row.inputAbove &&
      inputTokens <= row.inputAtMost,
  );
}

/**
 * Model tiers: budget, mid and frontier, derived from a model's blended price so that a new model lands
 * in a tier the day the catalog prices it. The blend weights input three to one because most traffic
 * reads far more than it writes; the cut-offs are round numbers between the well-known families and
 * can be moved, or any model pinned to a tier, in the config.
 */

/** The tiers a model is put in; `unpriced` is a model the catalog cannot price and the config does not place. */
export type ModelTier = 'budget' | 'mid' | 'frontier' | 'unpriced';

/** Every tier, cheapest first, with unpriced last. */
export const modelTiers: readonly ModelTier[] = ['budget', 'mid', 'frontier', 'unpriced'];

/** Where the tiers split, in blended $ per million tokens, and the models placed by hand. */
export interface ModelTierSettings {
  /** A model whose blended price is below this is budget (default $1/M: gpt-4.1-mini, gemini flash, haiku 3). */
  budgetBelowUsdPerMillion: number;
  /** A model whose blended price is at or above this is frontier (default $3/M: sonnet, opus, gpt-5, gemini pro). */
  frontierFromUsdPerMillion: number;
  /** Tiers pinned by model id (as sent in events, as priced, or as provider/model), overriding the price. */
  overrides: Record<string, Exclude<ModelTier, 'unpriced'>>;
}

/** The default cut-offs: under $1/M blended is budget, $3/M and over is frontier. */
export const defaultModelTierSettings: ModelTierSettings = {
  budgetBelowUsdPerMillion: 1,
  frontierFromUsdPerMillion: 3,
  overrides: {},
};

/** A model as the store knows it: the name events used, and what it was priced as (null when unpriced). */
export interface TierCandidate {
  model: string;
  provider: string | null;
  pricedModel: string | null;
  pricedProvider: string | null;
  /** Picodollars per token; null when unpriced. */
  inputRate: number | null;
  outputRate: number | null;
}

/** The blended price in $ per million tokens: (3 × input + output) ÷ 4, from picodollars-per-token rates. */
export function blendedUsdPerMillion(inputRate: number, outputRate: number): number {
  return (3 * inputRate + outputRate) / 4 / 1_000_000;
}

/** The tier of a blended price under the given cut-offs. */
export function tierOfBlendedPrice(usdPerMillion: number, settings: Pick<ModelTierSettings, 'budgetBelowUsdPerMillion' | 'frontierFromUsdPerMillion'>): Exclude<ModelTier, 'unpriced'> {
  if (usdPerMillion < settings.budgetBelowUsdPerMillion) return 'budget';
  if (usdPerMillion >= settings.frontierFromUsdPerMillion) return 'frontier';
  return 'mid';
}

/** A model's tier: a config override by any of its names first, then its blended price, else unpriced. */
export function classifyModelTier(candidate: TierCandidate, settings: ModelTierSettings): ModelTier {
  const names = [
    candidate.model,
    candidate.provider ? `${candidate.provider}/${candidate.model}` : null,
    candidate.pricedModel,
    candidate.pricedModel && candidate.pricedProvider ? `${candidate.pricedProvider}/${candidate.pricedModel}` : null,
  ];
  for (const name of names) {
    if (name === null) continue;
    const pinned = settings.overrides[name] ?? settings.overrides[name.toLowerCase()];
    if (pinned) return pinned;
  }
  if (candidate.inputRate === null || candidate.outputRate === null) return 'unpriced';
  return tierOfBlendedPrice(blendedUsdPerMillion(candidate.inputRate, candidate.outputRate), settings);
}

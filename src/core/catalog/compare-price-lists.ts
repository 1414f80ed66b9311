import type { RateCard, TokenClass } from './rate-card.js';

/*
 * Compares our catalog with another maintained price list — LiteLLM's model_prices_and_context_window.json,
 * a map from model name to {litellm_provider, mode, input_cost_per_token, output_cost_per_token,
 * cache_read_input_token_cost, cache_creation_input_token_cost, …} in dollars per token — class by class,
 * so a user sees where two sources disagree before trusting either.
 */

/** The classes both lists price, with LiteLLM's field for each. */
const comparedFields: Array<[TokenClass, string]> = [
  ['input', 'input_cost_per_token'],
  ['output', 'output_cost_per_token'],
  ['cacheRead', 'cache_read_input_token_cost'],
  ['cacheWrite5m', 'cache_creation_input_token_cost'],
  ['inputAudio', 'input_cost_per_audio_token'],
];

// LiteLLM names providers by route (vertex_ai-language-models, gemini, bedrock); genai-prices by vendor.
const providerAliases: Record<string, string> = {
  openai: 'openai',
  text_completion_openai: 'openai',
  anthropic: 'anthropic',
  gemini: 'google',
  'vertex_ai-language-models': 'google',
  mistral: 'mistral',
  deepseek: 'deepseek',
  groq: 'groq',
  xai: 'x-ai',
  cohere_chat: 'cohere',
  cohere: 'cohere',
  together_ai: 'together',
  fireworks_ai: 'fireworks',
  perplexity: 'perplexity',
};

/** One model and class where the two lists differ, in $ per million tokens. */
export interface PriceDifference {
  model: string;
  provider: string;
  tokenClass: TokenClass;
  ours: number;
  theirs: number;
  /** (theirs − ours) ÷ ours. */
  relative: number;
}

export interface PriceListComparison {
  compared: number;
  differences: PriceDifference[];
  /** Models of the other list (for providers we carry) that our catalog does not know. */
  onlyTheirs: Array<{ model: string; provider: string }>;
  /** Entries skipped: providers we do not carry, images, audio-only and other non-token modes. */
  skipped: number;
}

/** How the comparison reads our catalog: a model's rate card now, or undefined when unknown. */
export type OurRates = (provider: string, model: string) => { model: string; card: RateCard } | undefined;

export function comparePriceLists(theirs: Record<string, unknown>, ours: OurRates, options: { threshold: number; providers: ReadonlySet<string> }): PriceListComparison {
  const comparison: PriceListComparison = { compared: 0, differences: [], onlyTheirs: [], skipped: 0 };
  const seen = new Set<string>();
  for (const [key, entry] of Object.entries(theirs)) {
    if (typeof entry !== 'object' || entry === null || key === 'sample_spec') continue;
    const fields = entry as Record<string, unknown>;
    const provider = providerAliases[String(fields.litellm_provider ?? '')];
    const mode = String(fields.mode ?? 'chat');
    if (provider === undefined || !options.providers.has(provider) || !['chat', 'completion', 'embedding', 'responses'].includes(mode)) {
      comparison.skipped += 1;
      continue;
    }
    const name = key.includes('/') ? key.slice(key.lastIndexOf('/') + 1) : key;
    const found = ours(provider, name);
    if (found === undefined) {
      comparison.onlyTheirs.push({ model: name, provider });
      continue;
    }
    // Several LiteLLM entries (routes, dated aliases) may land on one model of ours: compare it once.
    const seenKey = `${provider}/${found.model}`;
    if (seen.has(seenKey)) continue;
    seen.add(seenKey);
    comparison.compared += 1;
    for (const [tokenClass, field] of comparedFields) {
      const value = fields[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      // Classes our source does not name inherit a parent's rate; only prices both sides state are compared.
      if (!found.card.explicit.has(tokenClass)) continue;
      const ourPerMillion = found.card.base[tokenClass] / 1_000_000;
      const theirPerMillion = Math.round(value * 1e6 * 1e6) / 1e6;
      if (ourPerMillion === 0 && theirPerMillion === 0) continue;
      const relative = ourPerMillion === 0 ? Number.POSITIVE_INFINITY : (theirPerMillion - ourPerMillion) / ourPerMillion;
      if (Math.abs(relative) > options.threshold) {
        comparison.differences.push({ model: found.model, provider, tokenClass, ours: ourPerMillion, theirs: theirPerMillion, relative });
      }
    }
  }
  comparison.differences.sort((a, b) => Math.abs(b.relative) - Math.abs(a.relative) || a.model.localeCompare(b.model));
  comparison.onlyTheirs.sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  return comparison;
}

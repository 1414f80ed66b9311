import type { ConditionalPrice, ModelInfo, Provider } from '@pydantic/genai-prices';
import { distance } from 'fastest-levenshtein';
import { pricesFromFields, type CatalogOverrides } from './catalog-overrides.js';
import { matchesLogic } from './match-logic.js';
import { PriceTimeline, type DiscountWindow, type ModelRef, type PriceAtTime, type ResolvedPrice, type TimelineEntry } from './price-timeline.js';
import { rateCardFromGenaiPrices, rateCardFromPrices } from './rate-card.js';

/** The result of looking a model up: its price timeline, or why it has none and what the user may have meant. */
export type ModelLookup =
  | { found: true; model: ModelRef; timeline: PriceTimeline }
  | { found: false; query: string; reason: string; suggestions: string[] };

/** A model's price at a time, or why there is none (an unknown model comes with the nearest known names). */
export type PriceAnswer = { priced: true; price: ResolvedPrice } | { priced: false; reason: string; suggestions: string[] };

/** A row of the model list: a model and its prices at the date asked for. */
export interface ModelListing {
  model: ModelRef;
  price: PriceAtTime;
}

interface CustomModel {
  ref: ModelRef;
  names: string[];
  timeline: PriceTimeline;
}

const emptyOverrides: CatalogOverrides = { models: [], discounts: [], prices: [] };

/**
 * Every model's prices: the bundled @pydantic/genai-prices data with the user's custom models, discounts
 * and dated price points laid over it. Look-ups are memoized, so pricing millions of calls resolves each
 * model once.
 */
export class PriceCatalog {
  private readonly timelines = new Map<string, PriceTimeline>();
  // Nested by provider so the hot path never builds a key string per call.
  private readonly lookups = new Map<string, Map<string, ModelLookup>>();
  private readonly customModels: CustomModel[];
  private readonly customByName = new Map<string, CustomModel>();

  constructor(
    private readonly providers: readonly Provider[],
    private readonly overrides: CatalogOverrides = emptyOverrides,
  ) {
    this.customModels = overrides.models.map((custom) => {
      const ref: ModelRef = {
        provider: custom.provider.toLowerCase(),
        model: custom.id,
        name: custom.name ?? custom.id,
        source: 'custom',
        ...(custom.context_window === undefined ? {} : { contextWindow: custom.context_window }),
      };
      const points = Array.isArray(custom.prices) ? custom.prices : [custom.prices];
      const entries: TimelineEntry[] = [...points]
        .sort((a, b) => Date.parse(a.effective_from ?? '0000-01-01') - Date.parse(b.effective_from ?? '0000-01-01'))
        .map((point) => ({
          card: rateCardFromPrices(pricesFromFields(point)),
          ...(point.effective_from === undefined ? {} : { startDate: point.effective_from }),
        }));
      const names = [custom.id, ...custom.aliases].map((name) => name.toLowerCase());
      return { ref, names, timeline: new PriceTimeline(ref, entries, [], this.discountsFor(ref), true) };
    });
    for (const custom of this.customModels) {
      for (const name of custom.names) {
        this.customByName.set(name, custom);
        this.customByName.set(`${custom.ref.provider}/${name}`, custom);
      }
    }
  }

  /** The provider ids of the bundled data, in its order of precedence. */
  providerIds(): string[] {
    return this.providers.map((provider) => provider.id);
  }

  /**
   * Finds a model by id or alias, with an optional provider given apart or as a prefix
   * ("anthropic/claude-opus-4-7", "anthropic:claude-opus-4.7").
   */
  findModel(query: string, options: { provider?: string } = {}): ModelLookup {
    const providerKey = options.provider ?? '';
    let byModel = this.lookups.get(providerKey);
    if (!byModel) {
      byModel = new Map();
      this.lookups.set(providerKey, byModel);
    }
    let lookup = byModel.get(query);
    if (!lookup) {
      lookup = this.lookUp(query, options.provider);
      byModel.set(query, lookup);
    }
    return lookup;
  }

  /** The prices of a model at a time, or an explicit unpriced result; never a silent $0. */
  priceAt(query: string, timeMs: number, options: { provider?: string } = {}): PriceAnswer {
    const lookup = this.findModel(query, options);
    if (!lookup.found) return { priced: false, reason: lookup.reason, suggestions: lookup.suggestions };
    const answer = lookup.timeline.at(timeMs);
    return answer.priced ? answer : { priced: false, reason: answer.reason, suggestions: [] };
  }

  /** Every model whose provider, id or name contains all words of the query, with its prices at a time. */
  listModels(query: string | undefined, timeMs: number): ModelListing[] {
    const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const keep = (ref: ModelRef): boolean => {
      const haystack = `${ref.provider}/${ref.model} ${ref.name}`.toLowerCase();
      return words.every((word) => haystack.includes(word));
    };
    const listings: ModelListing[] = [];
    for (const custom of this.customModels) {
      if (keep(custom.ref)) listings.push({ model: custom.ref, price: custom.timeline.at(timeMs) });
    }
    for (const provider of this.providers) {
      for (const model of provider.models) {
        const timeline = this.timelineOf(provider, model);
        if (keep(timeline.model)) listings.push({ model: timeline.model, price: timeline.at(timeMs) });
      }
    }
    return listings;
  }

  private lookUp(query: string, providerOption: string | undefined): ModelLookup {
    const trimmed = query.trim();
    if (!trimmed) return { found: false, query, reason: 'no model was named', suggestions: [] };
    let provider = providerOption === undefined ? undefined : this.findProvider(providerOption);
    if (providerOption !== undefined && !provider && !this.isCustomProvider(providerOption)) {
      return { found: false, query, reason: `unknown provider "${providerOption}"`, suggestions: this.nearestProviders(providerOption) };
    }
    let modelName = trimmed.toLowerCase();
    const prefixed = /^([^/:]+)[/:](.+)$/.exec(modelName);
    if (!provider && prefixed) {
      const prefixProvider = this.findProvider(prefixed[1]!);
      if (prefixProvider || this.isCustomProvider(prefixed[1]!)) {
        provider = prefixProvider;
        providerOption = prefixed[1]!;
        modelName = prefixed[2]!;
      }
    }
    const candidates = nameVariants(modelName);
    for (const candidate of candidates) {
      const custom = this.customByName.get(providerOption ? `${providerOption.toLowerCase()}/${candidate}` : candidate);
      if (custom) return { found: true, model: custom.ref, timeline: custom.timeline };
    }
    const searchOrder = provider
      ? [provider, ...(provider.fallback_model_providers ?? []).flatMap((id) => this.providers.filter((other) => other.id === id))]
      : this.providersFor(candidates);
    for (const candidate of candidates) {
      for (const searched of searchOrder) {
        const model = searched.models.find((info) => matchesLogic(info.match, candidate));
        if (model) {
          const timeline = this.timelineOf(searched, model);
          return { found: true, model: timeline.model, timeline };
        }
      }
    }
    const where = provider ? ` for provider ${provider.id}` : '';
    return {
      found: false,
      query,
      reason: `no model matches "${trimmed}"${where} in the price catalog or the config's custom models`,
      suggestions: this.nearestModels(modelName, provider),
    };
  }

  // Providers whose own model rule claims the name come first (gpt-* → OpenAI before resellers), then the rest.
  private providersFor(candidates: string[]): readonly Provider[] {
    const claiming = this.providers.filter((provider) =>
      candidates.some((candidate) => provider.model_match !== undefined && matchesLogic(provider.model_match, candidate)),
    );
    return [...claiming, ...this.providers.filter((provider) => !claiming.includes(provider))];
  }

  private findProvider(name: string): Provider | undefined {
    const lowered = name.trim().toLowerCase();
    return (
      this.providers.find((provider) => provider.id === lowered) ??
      this.providers.find((provider) => provider.provider_match !== undefined && matchesLogic(provider.provider_match, lowered))
    );
  }

  private isCustomProvider(name: string): boolean {
    const lowered = name.toLowerCase();
    return this.customModels.some((custom) => custom.ref.provider === lowered);
  }

  private timelineOf(provider: Provider, model: ModelInfo): PriceTimeline {
    const key = `${provider.id}\u0000${model.id}`;
    let timeline = this.timelines.get(key);
    if (!timeline) {
      const ref: ModelRef = {
        provider: provider.id,
        model: model.id,
        name: model.name ?? model.id,
        source: 'catalog',
        ...(model.context_window === undefined ? {} : { contextWindow: model.context_window }),
        ...(model.deprecated ? { deprecated: true } : {}),
      };
      const overrides = this.overrides.prices
        .filter((point) => this.refersTo(point.model, ref))
        .map((point) => ({ from: point.effective_from, prices: pricesFromFields(point) }));
      timeline = new PriceTimeline(ref, timelineEntries(model), overrides, this.discountsFor(ref));
      this.timelines.set(key, timeline);
    }
    return timeline;
  }

  private discountsFor(ref: ModelRef): DiscountWindow[] {
    return this.overrides.discounts
      .filter((discount) => {
        if (discount.provider !== undefined && discount.provider.toLowerCase() !== ref.provider) return false;
        return discount.model === undefined || this.refersTo(discount.model, ref);
      })
      .map((discount) => ({
        percent: discount.percent,
        specificity: discount.model === undefined ? 0 : 1,
        ...(discount.effective_from === undefined ? {} : { from: discount.effective_from }),
        ...(discount.effective_to === undefined ? {} : { to: discount.effective_to }),
      }));
  }

  // An override names a model the way a user would; it refers to this model if that name resolves to it.
  private refersTo(name: string, ref: ModelRef): boolean {
    const lowered = name.toLowerCase();
    const withoutProvider = lowered.startsWith(`${ref.provider}/`) ? lowered.slice(ref.provider.length + 1) : lowered;
    if (withoutProvider === ref.model.toLowerCase()) return true;
    const provider = this.providers.find((candidate) => candidate.id === ref.provider);
    const model = provider?.models.find((info) => info.id === ref.model);
    if (!model) return false;
    if (lowered.includes('/') && !lowered.startsWith(`${ref.provider}/`)) return false;
    return nameVariants(withoutProvider).some((variant) => matchesLogic(model.match, variant));
  }

  private nearestModels(name: string, provider: Provider | undefined): string[] {
    const scored: Array<{ label: string; score: number }> = [];
    const seen = new Set<string>();
    const consider = (label: string, id: string): void => {
      if (seen.has(label)) return;
      seen.add(label);
      const lowered = id.toLowerCase();
      const score = distance(name, lowered) - (lowered.includes(name) || name.includes(lowered) ? name.length : 0);
      scored.push({ label, score });
    };
    for (const custom of this.customModels) consider(`${custom.ref.provider}/${custom.ref.model}`, custom.ref.model);
    for (const candidate of provider ? [provider] : this.providers) {
      for (const model of candidate.models) consider(`${candidate.id}/${model.id}`, model.id);
    }
    return scored
      .sort((a, b) => a.score - b.score || a.label.localeCompare(b.label))
      .slice(0, 5)
      .map((entry) => entry.label);
  }

  private nearestProviders(name: string): string[] {
    return this.providers
      .map((provider) => ({ id: provider.id, score: distance(name.toLowerCase(), provider.id) }))
      .sort((a, b) => a.score - b.score)
      .slice(0, 5)
      .map((entry) => entry.id);
  }
}

function timelineEntries(model: ModelInfo): TimelineEntry[] {
  if (!Array.isArray(model.prices)) return [{ card: rateCardFromGenaiPrices(model.prices) }];
  return (model.prices as ConditionalPrice[]).map((entry) => {
    const card = rateCardFromGenaiPrices(entry.prices);
    const constraint = entry.constraint;
    if (constraint === undefined) return { card };
    if ('start_date' in constraint) return { card, startDate: constraint.start_date };
    return { card, dailyWindow: { start: constraint.start_time, end: constraint.end_time } };
  });
}

// Names people and SDKs write for the same model: "claude-opus-4.7", "models/gemini-2.5-pro", dated snapshots.
function nameVariants(name: string): string[] {
  const variants = [name];
  const add = (variant: string): void => {
    if (!variants.includes(variant)) variants.push(variant);
  };
  add(name.replace(/(\d)\.(\d)/g, '$1-$2'));
  if (name.startsWith('models/')) add(name.slice('models/'.length));
  add(name.replace('@', '-'));
  for (const variant of [...variants]) {
    add(variant.replace(/-(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g, '-$1-$2-$3'));
  }
  return variants;
}

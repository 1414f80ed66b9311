import type { PriceAtTime } from '../core/catalog/price-timeline.js';
import { tokenClasses, type Rates } from '../core/catalog/rate-card.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { App } from './create-app.js';

/*
 * The JSON of `unitcost models --json` and `unitcost models show ID --json`, for the HTTP API; a test holds
 * it equal to the CLI's output, so scripts can switch between the two.
 */

/** What to list: words every model must contain, a provider, a cap, an instant for the prices. */
export interface ModelsQuery {
  words?: string;
  provider?: string;
  limit?: number;
  at?: Date;
}

/** The model listing: `{ at, count, models: [...] }`, count being before the limit. */
export function listModelsJson(app: App, query: ModelsQuery = {}): { at: string; count: number; models: Array<Record<string, unknown>> } {
  const at = query.at ?? app.now();
  let listings = app.catalog.listModels(query.words ?? '', at.getTime());
  if (query.provider) listings = listings.filter((listing) => listing.model.provider === query.provider!.toLowerCase());
  const count = listings.length;
  if (query.limit !== undefined) listings = listings.slice(0, query.limit);
  return { at: at.toISOString(), count, models: listings.map((listing) => ({ ...listing.model, ...priceJson(listing.price) })) };
}

/** One model, what it resolves to, its price history and daily windows; unknown_model when the catalog lacks it. */
export function showModelJson(app: App, id: string, options: { provider?: string } = {}): Record<string, unknown> {
  const lookup = app.catalog.findModel(id, options.provider ? { provider: options.provider } : {});
  if (!lookup.found) throw new UnitcostError('unknown_model', lookup.reason, { field: 'id', suggestions: lookup.suggestions });
  return {
    ...lookup.model,
    history: lookup.timeline.history().map((period) => ({ from: period.from, to: period.to, ...priceJson(period.price) })),
    daily_windows: lookup.timeline.dailyWindows().map((window) => ({ start: window.start, end: window.end, prices_per_million: perMillion(window.card.base) })),
  };
}

function perMillion(rates: Rates): Record<string, number> {
  const result: Record<string, number> = {};
  for (const tokenClass of tokenClasses) result[snake(tokenClass)] = rates[tokenClass] / 1_000_000;
  result.per_request_usd = rates.request / 1e12;
  if (rates.webSearch) result.per_web_search_usd = rates.webSearch / 1e12;
  return result;
}

function priceJson(price: PriceAtTime): Record<string, unknown> {
  if (!price.priced) return { priced: false, reason: price.reason };
  const card = price.price.card;
  return {
    priced: true,
    priced_by_token: card.pricedByToken,
    prices_per_million: perMillion(card.base),
    priced_apart: [...card.explicit].map(snake),
    long_context_tiers: card.tiers.map((tier) => ({ input_above: tier.inputAbove, prices_per_million: perMillion(tier.rates) })),
    sources: price.price.sources,
  };
}

function snake(name: string): string {
  return name.replace(/([A-Z0-9]+)/g, (part) => `_${part.toLowerCase()}`);
}

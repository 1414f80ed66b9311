import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { REMOTE_DATA_JSON_URL, type Provider } from '@pydantic/genai-prices';
import { PriceCatalog } from '../../core/catalog/price-catalog.js';
import { comparePriceLists, type PriceListComparison } from '../../core/catalog/compare-price-lists.js';
import { countModels, priceDataSchema } from '../../core/catalog/price-data-file.js';
import { tokenClasses } from '../../core/catalog/rate-card.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { App } from '../create-app.js';
import { priceDataPath } from './price-data.js';

/** Where `unitcost catalog update` fetches from unless told otherwise: genai-prices' own published data. */
export const defaultPriceDataUrl = REMOTE_DATA_JSON_URL;

export interface CatalogUpdateResult {
  file: string;
  source: string;
  fetched_at: string;
  providers: number;
  models: number;
  /** Against the data priced with until now. */
  added: string[];
  removed: string[];
  /** Models whose price today changed in some class. */
  repriced: Array<{ model: string; classes: string[] }>;
}

/**
 * Reads a newer genai-prices data file (a URL or a path), checks every provider and model in it, and keeps
 * it beside the config with where and when it came from, so every command prices with it from then on.
 * Written to a temporary file and renamed, so a failed update leaves the previous data in force.
 */
export async function updatePriceData(app: App, options: { from?: string; fetch?: typeof fetch }): Promise<CatalogUpdateResult> {
  const from = options.from ?? defaultPriceDataUrl;
  const text = await readSource(from, options.fetch ?? fetch);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UnitcostError('invalid_argument', `${from} is not JSON: ${(error as Error).message}`, { file: from });
  }
  const parsed = priceDataSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
    throw new UnitcostError('invalid_argument', `${from} is not genai-prices data: ${field === '' ? '' : `${field} `}${issue.message}${parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : ''}`, { file: from, field });
  }
  const providers = value as Provider[];
  const file = priceDataPath(app.configFile, app.directory);
  const fetchedAt = app.now().toISOString();
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ source: from, fetched_at: fetchedAt, providers })}\n`);
  renameSync(temporary, file);
  return { file, source: from, fetched_at: fetchedAt, ...countModels(providers), ...changesBetween(app, providers) };
}

async function readSource(from: string, call: typeof fetch): Promise<string> {
  if (/^https?:\/\//.test(from)) {
    let response: Response;
    try {
      response = await call(from);
    } catch (error) {
      throw new UnitcostError('invalid_argument', `cannot fetch ${from}: ${(error as Error).message}; download it elsewhere and pass --from FILE`, { file: from });
    }
    if (!response.ok) throw new UnitcostError('invalid_argument', `fetching ${from} answered ${response.status}`, { file: from });
    return response.text();
  }
  try {
    return readFileSync(from, 'utf8');
  } catch (error) {
    throw new UnitcostError('invalid_argument', `cannot read ${from}: ${(error as Error).message}`, { file: from });
  }
}

function changesBetween(app: App, providers: Provider[]): Pick<CatalogUpdateResult, 'added' | 'removed' | 'repriced'> {
  const before = new Map(app.priceData.providers.flatMap((provider) => provider.models.map((model) => [`${provider.id}/${model.id}`, provider.id] as const)));
  const after = new Map(providers.flatMap((provider) => provider.models.map((model) => [`${provider.id}/${model.id}`, provider.id] as const)));
  const added = [...after.keys()].filter((key) => !before.has(key)).sort();
  const removed = [...before.keys()].filter((key) => !after.has(key)).sort();
  const nowMs = app.now().getTime();
  const oldCatalog = new PriceCatalog(app.priceData.providers);
  const newCatalog = new PriceCatalog(providers);
  const repriced: CatalogUpdateResult['repriced'] = [];
  for (const key of after.keys()) {
    if (!before.has(key)) continue;
    const [provider, ...rest] = key.split('/');
    const model = rest.join('/');
    const oldPrice = oldCatalog.priceAt(model, nowMs, { provider: provider! });
    const newPrice = newCatalog.priceAt(model, nowMs, { provider: provider! });
    if (!oldPrice.priced || !newPrice.priced) continue;
    const classes = [...tokenClasses, 'request' as const].filter((tokenClass) => oldPrice.price.card.base[tokenClass] !== newPrice.price.card.base[tokenClass]);
    const tiersChanged = JSON.stringify(oldPrice.price.card.tiers) !== JSON.stringify(newPrice.price.card.tiers);
    if (classes.length > 0 || tiersChanged) repriced.push({ model: key, classes: tiersChanged ? [...classes, 'long-context tiers'] : classes });
  }
  return { added, removed, repriced };
}

/**
 * `unitcost catalog diff --against FILE`: our catalog (as the config adjusts it) beside another price
 * list, model by model and class by class, listing what differs by more than the threshold.
 */
export function diffAgainstPriceList(app: App, options: { against: string; threshold: number }): PriceListComparison & { against: string; ourSource: string } {
  let theirs: unknown;
  try {
    theirs = JSON.parse(readFileSync(options.against, 'utf8'));
  } catch (error) {
    throw new UnitcostError('invalid_argument', `cannot read ${options.against} as JSON: ${(error as Error).message}`, { file: options.against });
  }
  if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) {
    throw new UnitcostError('invalid_argument', `${options.against} is not LiteLLM's model_prices_and_context_window.json (an object keyed by model name)`, { file: options.against });
  }
  const nowMs = app.now().getTime();
  const comparison = comparePriceLists(
    theirs as Record<string, unknown>,
    (provider, model) => {
      const answer = app.catalog.priceAt(model, nowMs, { provider });
      return answer.priced && answer.price.model.provider === provider ? { model: answer.price.model.model, card: answer.price.card } : undefined;
    },
    { threshold: options.threshold, providers: new Set(app.priceData.providers.map((provider) => provider.id)) },
  );
  return { against: options.against, ourSource: app.priceData.fetchedAt === undefined ? app.priceData.source : `${app.priceData.source} (${app.priceData.fetchedAt})`, ...comparison };
}

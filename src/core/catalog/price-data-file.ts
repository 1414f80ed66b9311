import type { Provider } from '@pydantic/genai-prices';
import { z } from 'zod';

/*
 * A newer price data file in @pydantic/genai-prices' own format (its data.json: a list of providers, each
 * with its models, their match rules and prices), checked before it replaces the bundled data: a file that
 * parses but lacks the providers every team uses would silently price most calls as unknown.
 */

const matchLogic: z.ZodType<unknown> = z.lazy(() =>
  z.union([
    z.object({ equals: z.string() }).loose(),
    z.object({ starts_with: z.string() }).loose(),
    z.object({ ends_with: z.string() }).loose(),
    z.object({ contains: z.string() }).loose(),
    z.object({ regex: z.string() }).loose(),
    z.object({ or: z.array(matchLogic) }).loose(),
    z.object({ and: z.array(matchLogic) }).loose(),
  ]),
);

const price = z.union([z.number().nonnegative(), z.object({ base: z.number().nonnegative(), tiers: z.array(z.object({ start: z.number(), price: z.number().nonnegative() }).loose()) }).loose()]);
const modelPrice = z.record(z.string(), price.optional());

const modelSchema = z
  .object({
    id: z.string().min(1),
    match: matchLogic,
    prices: z.union([modelPrice, z.array(z.object({ prices: modelPrice }).loose()).min(1)]),
  })
  .loose();

const providerSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().min(1),
    api_pattern: z.string(),
    models: z.array(modelSchema),
  })
  .loose();

/** The providers a price file must have, or it is refused: the ones most calls are made to. */
export const requiredPriceProviders = ['openai', 'anthropic', 'google'];

/** The list of providers of a genai-prices data file. */
export const priceDataSchema = z.array(providerSchema).superRefine((providers, context) => {
  const ids = new Set(providers.map((provider) => provider.id));
  for (const required of requiredPriceProviders) {
    if (!ids.has(required)) context.addIssue({ code: 'custom', message: `has no provider "${required}": is this genai-prices' data.json?` });
  }
});

/** What `unitcost catalog update` keeps beside the config: the data, where it came from, and when. */
export const storedPriceDataSchema = z
  .object({
    source: z.string().min(1),
    fetched_at: z.string().min(1),
    providers: priceDataSchema,
  })
  .strict();

export type StoredPriceData = { source: string; fetched_at: string; providers: Provider[] };

/** Models and price points in a data file, for the summary of an update. */
export function countModels(providers: readonly Provider[]): { providers: number; models: number } {
  return { providers: providers.length, models: providers.reduce((sum, provider) => sum + provider.models.length, 0) };
}

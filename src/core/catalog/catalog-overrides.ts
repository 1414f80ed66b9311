import { z } from 'zod';
import type { PricePerMillion } from './rate-card.js';

// A price is $/M tokens; negative prices would turn costs into credits, which no provider bills.
const dollarsPerMillion = z.number().finite().nonnegative();

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/, 'must be a date such as 2026-03-01')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a real calendar date');

/** $/M prices per token class as written in a config file (snake_case, like the provider price pages). */
export const priceFieldsSchema = z.object({
  input: dollarsPerMillion.optional(),
  output: dollarsPerMillion.optional(),
  cache_read: dollarsPerMillion.optional(),
  /** The 5-minute cache write price, the default TTL. */
  cache_write: dollarsPerMillion.optional(),
  cache_write_1h: dollarsPerMillion.optional(),
  reasoning: dollarsPerMillion.optional(),
  input_audio: dollarsPerMillion.optional(),
  output_audio: dollarsPerMillion.optional(),
  per_request_usd: dollarsPerMillion.optional(),
  /** Dollars per server-side web search, e.g. 0.01 for Anthropic's $10 per 1,000 searches. */
  per_web_search_usd: dollarsPerMillion.optional(),
});

const customPricePointSchema = priceFieldsSchema
  .extend({ effective_from: isoDate.optional() })
  .strict()
  // A custom model must bill something per token, or every call would silently cost $0.
  .refine((point) => point.input !== undefined && point.output !== undefined, {
    message: 'a custom model needs at least input and output prices',
  });

const customModelSchema = z
  .object({
    id: z.string().min(1),
    provider: z.string().min(1).default('custom'),
    name: z.string().optional(),
    aliases: z.array(z.string().min(1)).default([]),
    context_window: z.number().int().positive().optional(),
    prices: z.union([customPricePointSchema, z.array(customPricePointSchema).min(1)]),
  })
  .strict();

const discountSchema = z
  .object({
    provider: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    // 100% would make a paid model free, which is a custom price, not a discount.
    percent: z.number().gt(0).lt(100),
    effective_from: isoDate.optional(),
    effective_to: isoDate.optional(),
  })
  .strict()
  .refine((discount) => discount.provider !== undefined || discount.model !== undefined, {
    message: 'a discount names a provider, a model, or both',
  });

const pricePointSchema = priceFieldsSchema
  .extend({
    model: z.string().min(1),
    // Without a date an override would reprice history too, which is what effective dates exist to prevent.
    effective_from: isoDate,
  })
  .strict()
  .refine((point) => Object.keys(point).some((key) => key !== 'model' && key !== 'effective_from'), {
    message: 'a price point names at least one price',
  });

/** The user's changes to the bundled catalog: their own models, negotiated discounts, dated price points. */
export const catalogOverridesSchema = z
  .object({
    models: z.array(customModelSchema).default([]),
    discounts: z.array(discountSchema).default([]),
    prices: z.array(pricePointSchema).default([]),
  })
  .strict();

/** Catalog overrides as validated. */
export type CatalogOverrides = z.infer<typeof catalogOverridesSchema>;
/** $/M prices per class as written in config. */
export type PriceFields = z.infer<typeof priceFieldsSchema>;

/** Converts config price fields to the engine's per-class $/M prices. */
export function pricesFromFields(fields: PriceFields): PricePerMillion {
  const prices: PricePerMillion = {};
  if (fields.input !== undefined) prices.input = fields.input;
  if (fields.output !== undefined) prices.output = fields.output;
  if (fields.cache_read !== undefined) prices.cacheRead = fields.cache_read;
  if (fields.cache_write !== undefined) prices.cacheWrite5m = fields.cache_write;
  if (fields.cache_write_1h !== undefined) prices.cacheWrite1h = fields.cache_write_1h;
  if (fields.reasoning !== undefined) prices.reasoning = fields.reasoning;
  if (fields.input_audio !== undefined) prices.inputAudio = fields.input_audio;
  if (fields.output_audio !== undefined) prices.outputAudio = fields.output_audio;
  if (fields.per_request_usd !== undefined) prices.requestUsd = fields.per_request_usd;
  if (fields.per_web_search_usd !== undefined) prices.webSearchUsd = fields.per_web_search_usd;
  return prices;
}

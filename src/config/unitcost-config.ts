import { z } from 'zod';
import { catalogOverridesSchema } from '../core/catalog/catalog-overrides.js';

const share = z.number().min(0).max(1);

/** The viability thresholds that mark a KPI as a breach. */
export const thresholdsSchema = z
  .object({
    // The brief's defaults: above a quarter of ARPU, LLM cost crowds out every other cost of serving a user.
    max_cost_share_of_arpu: share.default(0.25),
    // Below 40% inference margin a software product stops looking like software to investors.
    min_inference_margin: share.default(0.4),
  })
  .strict();

/** The whole of unitcost.config.json / .yaml. */
export const unitcostConfigSchema = z
  .object({
    $schema: z.string().optional(),
    models: catalogOverridesSchema.shape.models,
    discounts: catalogOverridesSchema.shape.discounts,
    prices: catalogOverridesSchema.shape.prices,
    thresholds: thresholdsSchema.default({ max_cost_share_of_arpu: 0.25, min_inference_margin: 0.4 }),
  })
  .strict();

/** The validated configuration. */
export type UnitcostConfig = z.infer<typeof unitcostConfigSchema>;
/** Validated thresholds. */
export type Thresholds = z.infer<typeof thresholdsSchema>;

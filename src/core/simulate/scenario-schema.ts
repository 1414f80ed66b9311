import { z } from 'zod';
import { priceFieldsSchema } from '../catalog/catalog-overrides.js';
import { planSchema } from '../events/plans.js';
import { leverKinds, type LeverKind } from './simulation-result.js';

// Shares, hit rates and discounts are fractions of calls or tokens: 0.7, never 70.
const share = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const tokens = z.number().int('must be a whole number of tokens').nonnegative('must not be negative');
const dollars = z.number().finite().nonnegative('must not be negative');
const model = z.string().min(1);
// One feature or several; a lever without any applies to every feature.
const features = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional();

const routeRuleSchema = z
  .object({
    user_tier: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
    input_tokens_above: tokens.optional(),
    input_tokens_at_most: tokens.optional(),
    step_from: z.number().int().optional(),
    step_to: z.number().int().optional(),
  })
  .strict();

const routeSchema = z
  .object({
    feature: features,
    to: model,
    share: share.default(1),
    when: routeRuleSchema.optional(),
    // Of the routed calls, the share the router got wrong: re-run on the original model, paying both.
    misroute_rate: share.default(0),
    cascade: z.object({ escalation_share: share }).strict().optional(),
  })
  .strict();

const promptCacheSchema = z
  .object({ feature: features, prefix_tokens: tokens, hit_rate: share, ttl: z.enum(['5m', '1h']).default('5m') })
  .strict();

const responseCacheSchema = z
  .object({
    feature: features,
    hit_rate: share,
    ttl_minutes: z.number().positive().optional(),
    embedding_usd_per_lookup: dollars.default(0),
    vector_store_usd_per_month: dollars.default(0),
  })
  .strict();

const outputCapSchema = z.object({ feature: features, max_tokens: tokens }).strict();

const promptTrimSchema = z.object({ feature: features, share, after_step: z.number().int().optional() }).strict();

const sessionLimitSchema = z
  .object({ feature: features, max_steps: z.number().int().positive().optional(), max_session_usd: dollars.optional() })
  .strict()
  .refine((limit) => limit.max_steps !== undefined || limit.max_session_usd !== undefined, { message: 'a session limit needs max_steps, max_session_usd or both' });

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}/, 'must be a date such as 2026-03-01')
  .refine((value) => !Number.isNaN(Date.parse(value)), 'is not a real calendar date');

const priceChangeSchema = z
  .object({
    at: isoDate.optional(),
    overrides: z.record(model, priceFieldsSchema.strict()).optional(),
    batch: z.object({ feature: features, discount: share }).strict().optional(),
  })
  .strict()
  .refine((change) => change.at !== undefined || change.overrides !== undefined || change.batch !== undefined, { message: 'a price change needs at, overrides or batch' });

const fineTuneSchema = z.object({ feature: features, target_model: model, share, training_usd: dollars }).strict();

const selfHostSchema = z
  .object({
    feature: features,
    gpu_usd_per_hour: dollars,
    tokens_per_second: z.number().positive('must be above 0'),
    utilization: z.number().gt(0, 'must be above 0').max(1, 'must be between 0 and 1').default(0.5),
    fixed_usd_per_month: dollars.default(0),
  })
  .strict();

const plansLeverSchema = z.object({ tiers: z.record(z.string().min(1), planSchema) }).strict();

const leverShapes = {
  route: routeSchema,
  prompt_cache: promptCacheSchema,
  response_cache: responseCacheSchema,
  output_cap: outputCapSchema,
  prompt_trim: promptTrimSchema,
  session_limit: sessionLimitSchema,
  price_change: priceChangeSchema,
  fine_tune: fineTuneSchema,
  self_host: selfHostSchema,
  plans: plansLeverSchema,
} satisfies Record<LeverKind, z.ZodType>;

// One optional key per kind, exactly one set: errors then point inside the lever, not at "invalid union".
const leverSchema = z
  .object(Object.fromEntries(Object.entries(leverShapes).map(([kind, schema]) => [kind, schema.optional()])) as { [Kind in LeverKind]: z.ZodOptional<(typeof leverShapes)[Kind]> })
  .strict()
  .superRefine((lever, context) => {
    const set = Object.keys(lever).filter((key) => (lever as Record<string, unknown>)[key] !== undefined);
    if (set.length !== 1) context.addIssue({ code: 'custom', message: `a lever is one of ${leverKinds.join(', ')}: exactly one key, got ${set.length === 0 ? 'none' : set.join(', ')}` });
  });

/** A what-if scenario: a name and the levers to apply to the recorded calls (docs/simulate.md). */
export const simulationScenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().optional(),
    description: z.string().optional(),
    levers: z.array(leverSchema),
  })
  .strict();

/** A validated scenario. */
export type SimulationScenario = z.infer<typeof simulationScenarioSchema>;
/** One lever item as written: exactly one kind set. */
export type ScenarioLeverItem = SimulationScenario['levers'][number];
/** The settings of a lever of one kind. */
export type LeverSettings<Kind extends LeverKind> = z.infer<(typeof leverShapes)[Kind]>;
/** A lever with its kind and place in the file. */
export type ScenarioLever = { [Kind in LeverKind]: { kind: Kind; index: number; settings: LeverSettings<Kind> } }[LeverKind];

/** The levers of a scenario with their kinds, in file order. */
export function scenarioLevers(scenario: SimulationScenario): ScenarioLever[] {
  return scenario.levers.map((item, index) => {
    const kind = leverKinds.find((candidate) => item[candidate] !== undefined)!;
    return { kind, index, settings: item[kind] } as ScenarioLever;
  });
}

/** The features a lever names; null when it names none (every feature). */
export function leverFeatures(lever: ScenarioLever): string[] | null {
  const settings = lever.settings as { feature?: string | string[] };
  if (lever.kind === 'price_change') return null;
  if (settings.feature === undefined) return null;
  return Array.isArray(settings.feature) ? settings.feature : [settings.feature];
}

/** The JSON Schema of a scenario as written (defaults optional), for /openapi.json and editors. */
export function simulationScenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(simulationScenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete schema.$schema;
  return schema;
}

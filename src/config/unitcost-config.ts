import { eventTagNames } from '../core/events/event-tags.js';
import { z } from 'zod';
import { budgetsSchema } from '../core/budgets/budget-config.js';
import { alertsSchema } from '../core/governance/alerts/alert-config.js';
import { alertsDeliverySchema, defaultAlertsDelivery } from '../core/governance/alerts/webhook-config.js';
import { catalogOverridesSchema } from '../core/catalog/catalog-overrides.js';
import { plansSchema, revenueAttributionSchema } from '../core/events/plans.js';
import { gatewayConfigSchema } from '../core/gateway/gateway-config.js';
import { statementsConfigSchema } from '../core/governance/statements/statement-config.js';

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

const points = z.number().min(0).max(100);

/** The limits of `unitcost kpis`; the margin and ARPU share default to `thresholds`, so one number serves estimate and kpis. */
export const kpiThresholdsSchema = z
  .object({
    min_inference_margin: share.optional(),
    max_cost_share_of_arpu: share.optional(),
    // A cache that stops hitting is the commonest silent cost regression: a prompt change moved the cached prefix.
    max_prompt_cache_hit_rate_drop_points: points.default(25),
    max_response_cache_hit_rate_drop_points: points.default(25),
    // Routing drift: more traffic on frontier models raises cost faster than anything else.
    max_frontier_share_rise_points: points.default(10),
  })
  .strict();

/** Budget / mid / frontier: cut-offs on the blended price (3 × input + output) ÷ 4 in $/M tokens, and models pinned to a tier. */
export const modelTiersSchema = z
  .object({
    budget_below_usd_per_million: z.number().nonnegative().default(1),
    frontier_from_usd_per_million: z.number().nonnegative().default(3),
    models: z.record(z.string().min(1), z.enum(['budget', 'mid', 'frontier'])).default({}),
  })
  .strict()
  .refine((tiers) => tiers.budget_below_usd_per_million <= tiers.frontier_from_usd_per_million, {
    message: 'budget_below_usd_per_million must not exceed frontier_from_usd_per_million',
    path: ['budget_below_usd_per_million'],
  });

/** How captured traces are read: which other attributes carry our tags, so nobody has to re-instrument. */
export const captureSchema = z
  .object({
    otlp: z
      .object({
        // e.g. {"traceloop.association.properties.feature": "feature", "enduser.id": "user_id"}; unitcost.* attributes need no entry.
        attributes: z.record(z.string().min(1), z.enum(eventTagNames, { error: () => `must be one of ${eventTagNames.join(', ')}` })).default({}),
      })
      .strict()
      .default({ attributes: {} }),
  })
  .strict();

/** Where events are stored: the embedded DuckDB file (default) or a ClickHouse database (docs/clickhouse.md). */
export const storeConfigSchema = z
  .object({
    backend: z.enum(['duckdb', 'clickhouse'], { error: () => 'must be duckdb or clickhouse' }).default('duckdb'),
    clickhouse: z
      .object({
        // The HTTP interface, e.g. http://clickhouse.internal:8123; UNITCOST_CLICKHOUSE_URL overrides it.
        url: z.url({ protocol: /^https?$/, error: () => 'must be an http:// or https:// address, e.g. http://clickhouse.internal:8123' }).optional(),
        database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain name: letters, digits and _').default('unitcost'),
        // Credentials never sit in the file: these name the environment variables that hold them.
        user_env: z.string().min(1).default('UNITCOST_CLICKHOUSE_USER'),
        password_env: z.string().min(1).default('UNITCOST_CLICKHOUSE_PASSWORD'),
      })
      .strict()
      .optional(),
  })
  .strict();

/** The whole of unitcost.config.json / .yaml. */
export const unitcostConfigSchema = z
  .object({
    $schema: z.string().optional(),
    models: catalogOverridesSchema.shape.models,
    discounts: catalogOverridesSchema.shape.discounts,
    prices: catalogOverridesSchema.shape.prices,
    // The DuckDB store file, relative to the working directory; --db and UNITCOST_DB override it.
    db: z.string().min(1).optional(),
    // Which backend holds the events: duckdb (the db file above) or clickhouse; see docs/clickhouse.md.
    store: storeConfigSchema.default({ backend: 'duckdb' }),
    thresholds: thresholdsSchema.default({ max_cost_share_of_arpu: 0.25, min_inference_margin: 0.4 }),
    // What each user tier pays (seat price, allowance, overage), keyed by the user_tier events carry; see docs/events.md.
    plans: plansSchema.default({}),
    // How a user's revenue is split among the features they used: by cost share unless told otherwise.
    revenue_attribution: revenueAttributionSchema.default({ method: 'cost_share' }),
    kpi_thresholds: kpiThresholdsSchema.default({ max_prompt_cache_hit_rate_drop_points: 25, max_response_cache_hit_rate_drop_points: 25, max_frontier_share_rise_points: 10 }),
    model_tiers: modelTiersSchema.default({ budget_below_usd_per_million: 1, frontier_from_usd_per_million: 3, models: {} }),
    capture: captureSchema.default({ otlp: { attributes: {} } }),
    // Upstreams, levers and timeouts of `unitcost gateway`; OpenAI and Anthropic at their official addresses by default.
    gateway: gatewayConfigSchema.prefault({}),
    // Spending limits per team, feature, tier, user or session (or over all spend): the gateway enforces them, governance alerts on them.
    budgets: budgetsSchema.default([]),
    // How showback and chargeback statements split shared cost among the groups of a tag (docs/statements.md).
    statements: statementsConfigSchema.default({ allocation: {} }),
    // KPI threshold and spend anomaly rules of `unitcost alerts check` (budget alert points come from budgets:); see docs/alerts.md.
    alerts: alertsSchema.default([]),
    // Where incidents are sent (signed webhooks) and when `unitcost serve` evaluates the rules; see docs/alert-delivery.md.
    alerts_delivery: alertsDeliverySchema.default(defaultAlertsDelivery),
  })
  .strict();

/** The validated configuration. */
export type UnitcostConfig = z.infer<typeof unitcostConfigSchema>;
/** Validated thresholds. */
export type Thresholds = z.infer<typeof thresholdsSchema>;

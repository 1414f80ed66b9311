/** The unitcost library: the same services the CLI, server and gateway are thin shells over. */
export { createApp, type App, type AppOptions } from './app/create-app.js';
export { loadBundledProviders } from './app/load-bundled-providers.js';
export { PriceCatalog, type ModelLookup, type PriceAnswer, type ModelListing } from './core/catalog/price-catalog.js';
export type { ModelRef, ResolvedPrice, PriceAtTime } from './core/catalog/price-timeline.js';
export { tokenClasses, ratesFor, rateCardFromPrices, type RateCard, type Rates, type TokenClass, type PricePerMillion } from './core/catalog/rate-card.js';
export { catalogOverridesSchema, type CatalogOverrides } from './core/catalog/catalog-overrides.js';
export { computeCost, computeCostTotal, type CostBreakdown } from './core/cost/compute-cost.js';
export {
  PICODOLLARS_PER_USD,
  PicodollarTotal,
  formatPicodollarsExact,
  formatUsd,
  picodollarsPerToken,
  picodollarsToUsd,
  usdToPicodollars,
} from './core/cost/picodollars.js';
export * from './core/usage/index.js';
export { estimateScenario, type ScenarioShape } from './core/estimate/estimate-scenario.js';
export { estimateReport, type EstimateReport } from './core/estimate/estimate-report.js';
export { UnitcostError, type UnitcostErrorCode } from './core/unitcost-error.js';
export { usageEventSchema, outcomeRecordSchema, revenueRecordSchema, type UsageEvent, type OutcomeRecord, type RevenueRecord } from './core/events/usage-event.js';
export { parseEventRecord } from './core/events/parse-event-record.js';
export { generateDemoEvents, type DemoOptions } from './core/demo/generate-demo-events.js';
export { openStore, storePath } from './app/open-store.js';
export type { Store } from './store/store.js';
export { ingestFiles, type IngestOptions, type IngestResult } from './app/ingest-service.js';
export { repriceCalls, type RepriceResult } from './app/reprice-service.js';
export { fillStoreWithDemo, writeDemoJsonl } from './app/demo-service.js';
export { runReport, runKpis, type ReportOptions, type KpiOptions } from './app/report-service.js';
export { reportJson, type NarrowedReport, type Report, type ReportRow } from './core/kpi/build-report.js';
export { simulate, type SimulateOptions, type ScenarioSource } from './app/simulate-service.js';
export { optimize, type OptimizeOptions } from './app/optimize-service.js';
export { plans, type PlansOptions, type PlansResult } from './app/plans/plans-service.js';
export { designTierPlans, type PlanUser, type TierUsage, type TierPlanDesign } from './core/plans/design-tier-plans.js';
export type { OptimizePlans } from './core/simulate/simulation-result.js';
export { loadOptimizeDefaults } from './config/optimize-defaults-file.js';
export { optimizeDefaults, optimizeDefaultsFileSchema, type OptimizeDefaults, type OptimizeDefaultsOverrides } from './core/simulate/optimize-levers.js';
export { simulationScenarioSchema, type SimulationScenario } from './core/simulate/scenario-schema.js';
export type { SimulationResult, SimulatedComparison, SimulatedFeature, SimulatedTier, LeverOutcome, LeverRisk, LeverKind, OptimizeResult } from './core/simulate/simulation-result.js';

import { pricesFromFields, type PriceFields } from '../core/catalog/catalog-overrides.js';
import type { PriceCatalog } from '../core/catalog/price-catalog.js';
import { tokenClasses, type Rates } from '../core/catalog/rate-card.js';
import { picodollarsPerToken } from '../core/cost/picodollars.js';
import { classifyModelTier, type ModelTierSettings } from '../core/kpi/model-tier.js';
import type { ModelKey, SimulationRateRow } from '../core/simulate/replay-plan.js';
import type { PricingGroup, RateAssignment } from '../store/event-writer.js';
import { planRateAssignments } from '../store/plan-rate-assignments.js';

/** A model a lever sends calls to, as the catalog resolved it. */
export interface TargetModel {
  provider: string;
  model: string;
}

/** The models of a replay and their rates: the stored pairs of the window, then the lever targets. */
export interface SimulationRates {
  keys: ModelKey[];
  rates: SimulationRateRow[];
  /** The key of a stored (provider, model) pair or a target, by `provider/model`. */
  keyOf: (provider: string | null, model: string) => number | undefined;
  /** The keys whose rates a price override replaced. */
  overriddenKeys: number[];
}

const endOfTime = Number.MAX_SAFE_INTEGER;
const label = (provider: string | null, model: string): string => `${provider ?? ''}/${model}`;

/**
 * Numbers every model the replay may price and resolves its rates exactly as `unitcost reprice` does
 * (planRateAssignments: dated prices, off-peak slices, long-context bands). With `atMs`, every model is
 * priced at the catalog of that instant over all time; `overrides` then replace the named classes.
 */
export function buildSimulationRates(
  groups: readonly PricingGroup[],
  targets: readonly TargetModel[],
  catalog: PriceCatalog,
  window: { fromMs: number; toMs: number },
  options: { atMs?: number; overrides?: ReadonlyMap<string, PriceFields>; tiers: ModelTierSettings },
): SimulationRates {
  const keys: ModelKey[] = [];
  const byLabel = new Map<string, number>();
  const rateGroups: PricingGroup[] = [];
  const add = (provider: string | null, model: string, firstMs: number, lastMs: number): void => {
    if (byLabel.has(label(provider, model))) return;
    const key = keys.length;
    byLabel.set(label(provider, model), key);
    keys.push({ key, provider, model, tier: 'unpriced', blendedRate: null });
    rateGroups.push({ provider, model, calls: 0, firstMs, lastMs });
  };
  // Every model is priced over the whole window, not only where it was stored: a route or fine-tune may send
  // calls to a stored model at times it was not used.
  for (const group of groups) add(group.provider, group.model, Math.min(group.firstMs, window.fromMs), Math.max(group.lastMs, window.toMs - 1));
  for (const target of targets) add(target.provider, target.model, window.fromMs, window.toMs - 1);

  const rates: SimulationRateRow[] = [];
  const overriddenKeys: number[] = [];
  rateGroups.forEach((group, key) => {
    const resolved = options.atMs === undefined ? group : { ...group, firstMs: options.atMs, lastMs: options.atMs };
    const { assignments } = planRateAssignments([resolved], catalog);
    const override = overrideFor(options.overrides, catalog, group);
    if (override !== undefined) overriddenKeys.push(key);
    for (const assignment of assignments) {
      const stretched = options.atMs === undefined ? assignment : { ...assignment, fromMs: 0, toMs: endOfTime };
      rates.push(rateRow(key, stretched, override));
    }
  });
  for (const key of keys) {
    key.tier = tierOf(key, rates, catalog, options.tiers);
    const base = rates.find((row) => row.key === key.key && row.rates !== null && row.inputAbove < 0)?.rates;
    key.blendedRate = base ? (3 * base.input + base.output) / 4 : null;
  }
  return { keys, rates, overriddenKeys, keyOf: (provider, model) => byLabel.get(label(provider, model)) };
}

function rateRow(key: number, assignment: RateAssignment, override: PriceFields | undefined): SimulationRateRow {
  let rates: Rates | null = assignment.price?.rates ?? null;
  if (override !== undefined) rates = overlay(rates, override);
  return {
    key,
    fromMs: assignment.fromMs,
    toMs: assignment.toMs,
    daySecondFrom: assignment.daySecondFrom,
    daySecondTo: assignment.daySecondTo,
    inputAbove: assignment.inputAbove,
    inputAtMost: assignment.inputAtMost,
    rates,
  };
}

// The named classes replace the model's rates; the others keep the catalog's (zero for a model it cannot price).
function overlay(rates: Rates | null, fields: PriceFields): Rates {
  const prices = pricesFromFields(fields);
  const result: Rates = rates ? { ...rates } : { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0, request: 0 };
  for (const tokenClass of tokenClasses) {
    const value = prices[tokenClass];
    if (value !== undefined) result[tokenClass] = picodollarsPerToken(value);
  }
  if (prices.requestUsd !== undefined) result.request = Math.round(prices.requestUsd * 1e12);
  return result;
}

// An override names a model as the scenario does; it applies to every stored pair or target the catalog resolves to it.
function overrideFor(overrides: ReadonlyMap<string, PriceFields> | undefined, catalog: PriceCatalog, group: PricingGroup): PriceFields | undefined {
  if (!overrides || overrides.size === 0) return undefined;
  const lookup = catalog.findModel(group.model, group.provider === null ? {} : { provider: group.provider });
  for (const [name, fields] of overrides) {
    if (name === group.model || name === label(group.provider, group.model).slice(1) || name === `${group.provider}/${group.model}`) return fields;
    if (!lookup.found) continue;
    const target = catalog.findModel(name);
    if (target.found && target.model.provider === lookup.model.provider && target.model.model === lookup.model.model) return fields;
  }
  return undefined;
}

function tierOf(key: ModelKey, rates: readonly SimulationRateRow[], catalog: PriceCatalog, settings: ModelTierSettings) {
  const row = rates.find((candidate) => candidate.key === key.key && candidate.rates !== null && candidate.inputAbove < 0);
  const lookup = catalog.findModel(key.model, key.provider === null ? {} : { provider: key.provider });
  return classifyModelTier(
    {
      model: key.model,
      provider: key.provider,
      pricedModel: lookup.found ? lookup.model.model : null,
      pricedProvider: lookup.found ? lookup.model.provider : null,
      inputRate: row?.rates?.input ?? null,
      outputRate: row?.rates?.output ?? null,
    },
    settings,
  );
}

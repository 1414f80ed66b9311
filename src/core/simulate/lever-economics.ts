import type { Rates } from '../catalog/rate-card.js';
import { picodollarsToUsd } from '../cost/picodollars.js';
import { splitExactly } from '../events/attribute-revenue.js';
import { usdToExactPicodollars } from '../events/exact-decimal.js';
import { breakEvenHitRate } from '../estimate/break-even-hit-rate.js';
import { monthDays } from './build-simulation-result.js';
import { covers, type ModelKey } from './replay-plan.js';
import type { SimulationGroupRow, SimulationSum } from './replay-sums.js';
import { leverFeatures, type ScenarioLever } from './scenario-schema.js';
import type { LeverDetailValue } from './simulation-result.js';

/**
 * The economics of the levers that are not a per-call change: fixed costs (vector store, GPU-hours,
 * operations), prompt caching's break-even hit rate per model, fine-tuning's payback, self-hosting's
 * break-even volume. All from the replay's sums and the rate table.
 */

/** What these computations read besides the lever. */
export interface LeverContext {
  replay: readonly SimulationGroupRow[];
  windowDays: number;
  keys: readonly ModelKey[];
  /** The base rates of a model key (its first price period), or null when unpriced. */
  ratesOf: (key: number) => Rates | null;
}

const featureRows = (context: LeverContext, lever: ScenarioLever): SimulationGroupRow[] =>
  context.replay.filter((row) => row.grouping === 'feature' && covers(leverFeatures(lever), row.feature));

const total = (rows: readonly SimulationGroupRow[], name: SimulationSum): bigint => rows.reduce((sum, row) => sum + row.sums[name], 0n);

// A monthly amount over the window, in picodollars: amount × days ÷ month days, rounded down.
function overWindow(usdPerMonth: number, windowDays: number): bigint {
  const perMonth = usdToExactPicodollars(usdPerMonth);
  return (perMonth * BigInt(Math.round(windowDays * 1_000_000))) / BigInt(Math.round(monthDays * 1_000_000));
}

/** A one-line description of a lever, for tables and the dashboard. */
export function leverLabel(lever: ScenarioLever): string {
  const on = (): string => {
    const features = leverFeatures(lever);
    return features === null ? 'every feature' : features.join(', ');
  };
  const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
  switch (lever.kind) {
    case 'route':
      return `route ${percent(lever.settings.share)} of ${on()}${lever.settings.when ? ' (rule)' : ''} to ${lever.settings.to}${lever.settings.cascade ? `, cascade escalating ${percent(lever.settings.cascade.escalation_share)}` : ''}`;
    case 'prompt_cache':
      return `prompt cache ${lever.settings.prefix_tokens} tokens at ${percent(lever.settings.hit_rate)} hits on ${on()}`;
    case 'response_cache':
      return `response cache ${percent(lever.settings.hit_rate)} hits on ${on()}`;
    case 'output_cap':
      return `cap output at ${lever.settings.max_tokens} tokens on ${on()}`;
    case 'prompt_trim':
      return `trim ${percent(lever.settings.share)} of uncached input on ${on()}${lever.settings.after_step === undefined ? '' : ` after step ${lever.settings.after_step}`}`;
    case 'session_limit':
      return `limit sessions of ${on()} to ${[lever.settings.max_steps === undefined ? null : `${lever.settings.max_steps} steps`, lever.settings.max_session_usd === undefined ? null : `$${lever.settings.max_session_usd}`].filter(Boolean).join(' / ')}`;
    case 'price_change':
      return ['prices', lever.settings.at ? `at ${lever.settings.at}` : null, lever.settings.overrides ? `overrides for ${Object.keys(lever.settings.overrides).join(', ')}` : null, lever.settings.batch ? `batch discount ${percent(lever.settings.batch.discount)} on ${batchFeatures(lever.settings.batch.feature)}` : null].filter(Boolean).join(', ');
    case 'fine_tune':
      return `fine-tune ${lever.settings.target_model} for ${percent(lever.settings.share)} of ${on()}`;
    case 'self_host':
      return `self-host ${on()} at $${lever.settings.gpu_usd_per_hour}/GPU-hour`;
    case 'plans':
      return `new plans for ${Object.keys(lever.settings.tiers).join(', ')}`;
  }
}

// The batch discount's features are its own (a price change's other parts cover every call).
const batchFeatures = (feature: string | string[] | undefined): string => (feature === undefined ? 'every feature' : Array.isArray(feature) ? feature.join(', ') : feature);

/** The fixed costs of the levers per feature over the window, in picodollars. */
export function leverFixedCosts(levers: readonly ScenarioLever[], context: LeverContext): Map<string | null, bigint> {
  const costs = new Map<string | null, bigint>();
  const add = (feature: string | null, amount: bigint): void => {
    costs.set(feature, (costs.get(feature) ?? 0n) + amount);
  };
  for (const lever of levers) {
    const rows = featureRows(context, lever).filter((row) => row.sums.calls > 0n || row.sums.self_hosted > 0n);
    if (rows.length === 0) continue;
    if (lever.kind === 'response_cache' && lever.settings.vector_store_usd_per_month > 0) {
      // One vector store for the lever's features, shared by their look-ups.
      spread(rows, overWindow(lever.settings.vector_store_usd_per_month, context.windowDays), 'response_lookups', add);
    }
    if (lever.kind === 'self_host') {
      const tokensPerHour = lever.settings.tokens_per_second * lever.settings.utilization * 3600;
      for (const row of rows) {
        const gpuHours = Number(row.sums.self_hosted_tokens) / tokensPerHour;
        add(row.feature, BigInt(Math.round(gpuHours * lever.settings.gpu_usd_per_hour * 1_000_000)) * 1_000_000n);
      }
      if (lever.settings.fixed_usd_per_month > 0) spread(rows, overWindow(lever.settings.fixed_usd_per_month, context.windowDays), 'self_hosted_tokens', add);
    }
  }
  return costs;
}

function spread(rows: readonly SimulationGroupRow[], amount: bigint, by: SimulationSum, add: (feature: string | null, amount: bigint) => void): void {
  let weights = rows.map((row) => row.sums[by]);
  if (!weights.some((weight) => weight > 0n)) weights = rows.map(() => 1n);
  splitExactly(amount, weights).forEach((part, index) => add(rows[index]!.feature, part));
}

/** Kind-specific figures of a lever (docs/simulate.md, "details"). */
export function leverDetails(lever: ScenarioLever, context: LeverContext, fixedCosts: Map<string | null, bigint>): Record<string, LeverDetailValue> {
  const rows = featureRows(context, lever);
  const perMonth = (picodollars: bigint): number => (context.windowDays > 0 ? (picodollarsToUsd(picodollars) * monthDays) / context.windowDays : 0);
  const keyName = (key: number): string => {
    const model = context.keys[key];
    return model === undefined ? String(key) : model.provider ? `${model.provider}/${model.model}` : model.model;
  };
  switch (lever.kind) {
    case 'route':
      return { to_model: lever.settings.to };
    case 'prompt_cache': {
      const modelKeys = [...new Set(context.replay.filter((row) => row.grouping === 'model' && covers(leverFeatures(lever), row.feature) && row.sums.calls > 0n).map((row) => row.modelKey!))].sort((a, b) => a - b);
      const breakEven = modelKeys.map((key) => {
        const rates = context.ratesOf(key);
        const write = rates === null ? null : lever.settings.ttl === '1h' ? rates.cacheWrite1h : rates.cacheWrite5m;
        const rate = rates === null || write === null ? null : breakEvenHitRate({ withoutCache: rates.input, onHit: rates.cacheRead, onMiss: write });
        return { model: keyName(key), break_even_hit_rate: rate, priced: rates !== null };
      });
      const pays = breakEven.filter((entry) => entry.priced).every((entry) => entry.break_even_hit_rate !== null && lever.settings.hit_rate >= entry.break_even_hit_rate);
      return {
        hit_rate: lever.settings.hit_rate,
        cache_hits: Number(total(rows, 'prompt_cache_hits')),
        cache_misses: Number(total(rows, 'prompt_cache_misses')),
        break_even: breakEven.map(({ model, break_even_hit_rate }) => ({ model, break_even_hit_rate })),
        pays_off: pays,
      };
    }
    case 'response_cache':
      return {
        hits: Number(total(rows, 'response_hits')),
        lookups: Number(total(rows, 'response_lookups')),
        lookup_cost_usd: picodollarsToUsd(total(rows, 'response_lookups') * usdToExactPicodollars(lever.settings.embedding_usd_per_lookup)),
        vector_store_usd: lever.settings.vector_store_usd_per_month > 0 ? picodollarsToUsd(overWindow(lever.settings.vector_store_usd_per_month, context.windowDays)) : 0,
      };
    case 'output_cap':
      return { max_tokens: lever.settings.max_tokens, output_tokens_cut: Number(total(rows, 'output_cut')) };
    case 'prompt_trim':
      return { input_tokens_cut: Number(total(rows, 'input_cut')) };
    case 'session_limit':
      return { sessions_cut: Number(total(rows, 'sessions_cut')), calls_dropped: Number(total(rows, 'dropped')) };
    case 'price_change':
      return { at: lever.settings.at ?? null, batch_calls: Number(total(context.replay.filter((row) => row.grouping === 'feature'), 'batched')) };
    case 'fine_tune': {
      const saved = total(rows, 'fine_tuned_stored_cost') - total(rows, 'fine_tuned_cost');
      const perDay = context.windowDays > 0 ? picodollarsToUsd(saved) / context.windowDays : 0;
      return {
        target_model: lever.settings.target_model,
        moved_calls: Number(total(rows, 'fine_tuned')),
        training_usd: lever.settings.training_usd,
        savings_usd_per_day: perDay,
        payback_days: perDay > 0 ? lever.settings.training_usd / perDay : null,
      };
    }
    case 'self_host': {
      const tokens = Number(total(rows, 'self_hosted_tokens'));
      const apiCost = total(rows, 'self_hosted_api_cost');
      const hosted = rows.reduce((sum, row) => sum + (fixedCosts.get(row.feature) ?? 0n), 0n);
      const tokensPerMonth = context.windowDays > 0 ? (tokens * monthDays) / context.windowDays : 0;
      const apiPerToken = tokens > 0 ? picodollarsToUsd(apiCost) / tokens : 0;
      const gpuPerToken = lever.settings.gpu_usd_per_hour / (lever.settings.tokens_per_second * lever.settings.utilization * 3600);
      // Self-hosting pays once the API's price per token, saved on every token, covers the fixed costs.
      const breakEven = apiPerToken > gpuPerToken ? lever.settings.fixed_usd_per_month / (apiPerToken - gpuPerToken) : null;
      return {
        api_usd_per_month: perMonth(apiCost),
        self_host_usd_per_month: perMonth(hosted),
        tokens_per_month: Math.round(tokensPerMonth),
        break_even_tokens_per_month: breakEven === null ? null : Math.ceil(breakEven),
        passes_break_even: breakEven !== null && tokensPerMonth >= breakEven,
      };
    }
    case 'plans':
      return {};
  }
}

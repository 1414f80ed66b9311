import { defaultLevers, rankOptimization, withOverrides, type DefaultLever, type FeatureProfile, type OptimizeDefaultsOverrides } from '../core/simulate/optimize-levers.js';
import type { OptimizeResult } from '../core/simulate/simulation-result.js';
import { stackLevers } from '../core/simulate/stack-levers.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadOptimizeDefaults } from '../config/optimize-defaults-file.js';
import { loadSimulationScenario } from '../config/simulation-scenario-file.js';
import type { App } from './create-app.js';
import { refuseMissingStore } from './open-store.js';
import { withPlansEffect } from './plans/optimize-plans.js';
import { reportSettings } from './report-service.js';
import { newBaselineCache, openSimulateStore, simulateOnStore } from './simulate-service.js';
import { buildSimulationRates } from './simulation-rates.js';

export type { OptimizeResult } from '../core/simulate/simulation-result.js';

/** What `unitcost optimize` asks for. */
export interface OptimizeOptions {
  from?: Date;
  to?: Date;
  db?: string;
  /** A YAML/JSON file whose fields replace the stated defaults (docs/simulate.md, "unitcost optimize"). */
  defaults?: string;
  /** The same overrides as an object (library callers); a file's values win over these. */
  overrides?: OptimizeDefaultsOverrides;
}

// The budget model optimize routes to, per provider: a stated default, not a search of the catalog.
const budgetModels: Record<string, string> = {
  anthropic: 'anthropic/claude-haiku-4-5',
  openai: 'openai/gpt-4.1-mini',
  google: 'google/gemini-2.5-flash-lite',
};

/** Runs each default lever alone on the recorded traffic, ranks them by $/month saved net, then stacks them in rank order, keeping each that adds to the stack. */
export async function optimize(app: App, options: OptimizeOptions): Promise<OptimizeResult> {
  // Read before the store is opened: a bad defaults file fails fast, with its line.
  const fromFile = options.defaults === undefined ? {} : loadOptimizeDefaults(options.defaults);
  const defaults = withOverrides(fromFile, withOverrides(options.overrides ?? {}));
  refuseMissingStore(app, options.db === undefined ? {} : { db: options.db });
  // Each lever is a simulation over the same store: DuckDB's memory and threads bounded as simulate's are.
  const store = await openSimulateStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    const range = { ...(options.from ? { fromMs: options.from.getTime() } : {}), ...(options.to ? { toMs: options.to.getTime() } : {}) };
    const stored = await store.featureProfiles(range);
    if (stored.length === 0) throw new UnitcostError('not_found', 'no recorded calls with a feature in the window: there is nothing to optimize', { field: '--from' });
    const groups = await store.pricingGroups(range);
    const window = { fromMs: Math.min(...groups.map((group) => group.firstMs)), toMs: Math.max(...groups.map((group) => group.lastMs)) + 1 };
    const alternatives = Object.values(budgetModels).map((name) => app.catalog.findModel(name)).flatMap((lookup) => (lookup.found ? [{ provider: lookup.model.provider, model: lookup.model.model }] : []));
    const rates = buildSimulationRates(groups, alternatives, app.catalog, window, { tiers: reportSettings(app.config).tiers });
    const profiles: FeatureProfile[] = stored.map((profile) => {
      const key = rates.keys[rates.keyOf(profile.provider, profile.model) ?? -1];
      const lookup = app.catalog.findModel(profile.model, profile.provider === null ? {} : { provider: profile.provider });
      const provider = lookup.found ? lookup.model.provider : profile.provider;
      const alternative = provider === null ? undefined : budgetModels[provider];
      const alternativeKey = alternative === undefined ? undefined : rates.keys.find((candidate) => `${candidate.provider}/${candidate.model}` === alternative);
      const cheaper = key?.blendedRate != null && alternativeKey?.blendedRate != null && alternativeKey.blendedRate < key.blendedRate;
      return {
        feature: profile.feature,
        model: lookup.found ? `${lookup.model.provider}/${lookup.model.model}` : null,
        tier: key?.tier ?? 'unpriced',
        budgetAlternative: cheaper ? alternative! : null,
        medianInputTokens: profile.medianInputTokens,
        p90OutputTokens: profile.p90OutputTokens,
        p95SessionCalls: profile.p95SessionCalls,
      };
    });
    const levers = defaultLevers(profiles, defaults);
    const baseline = newBaselineCache();
    const run = (chosen: DefaultLever[], name: string) =>
      simulateOnStore(app, store, loadSimulationScenario({ value: { name, levers: chosen.flatMap((lever) => lever.levers) }, name: `optimize (${name})` }), {
        ...(options.from ? { from: options.from } : {}),
        ...(options.to ? { to: options.to } : {}),
        baseline,
      });
    const alone = [];
    for (const lever of levers) alone.push({ lever, result: await run([lever], lever.kind) });
    const stacked = await stackLevers(alone, (chosen) => run(chosen, 'stacked'), defaults);
    // Plans change revenue, not cost: beside the ranking, the plan unitcost plans recommends and its margin effect.
    return await withPlansEffect(app, store, rankOptimization(alone, stacked, defaults), { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) });
  } finally {
    await store.close();
  }
}

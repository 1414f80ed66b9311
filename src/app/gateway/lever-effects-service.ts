import { formatPicodollarsExact } from '../../core/cost/picodollars.js';
import { policyWhatIfs, type GatewayLever, type WhatIfPolicies } from '../../core/gateway/policy-what-if.js';
import { addDays, dayNumber } from '../../core/kpi/report-periods.js';
import { usd } from '../../core/kpi/unit-ratios.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { loadSimulationScenario } from '../../config/simulation-scenario-file.js';
import type { GatewayEffectsRows } from '../../store/gateway-effects-reader.js';
import type { Store } from '../../store/store.js';
import type { App } from '../create-app.js';
import { parseInstant } from '../parse-instant.js';
import { reportSettings } from '../report-service.js';
import { newBaselineCache, simulateOnStore } from '../simulate-service.js';
import { buildSimulationRates, type TargetModel } from '../simulation-rates.js';

/** GET /v1/gateway/effects' flags: whole UTC days [from, to); by default the 30 days up to today. */
export interface GatewayEffectsFlags {
  from?: string;
  to?: string;
}

/** Dollars for display beside the exact decimal string they were rounded from. */
interface Money {
  usd: number;
  exact: string;
}

/** One lever: what the gateway's policies of that kind did, measured, and the what-if's estimate for each policy. */
export interface LeverEffectJson {
  lever: GatewayLever;
  /** Calls the lever touched in the window. */
  calls: number;
  /** What it saved, or null when a call's saving cannot be measured (see basis) or no call of the lever was recorded. */
  saved: Money | null;
  /** How `saved` is worked out: exact (repriced), estimate, upper_bound, or not_measurable. */
  basis: 'exact' | 'estimate' | 'upper_bound' | 'not_measurable';
  method: string;
  rows: Array<Record<string, unknown>>;
  /** Per policy of this lever: the what-if's savings over the window (dollars as `unitcost simulate` prints them), or why there is none. */
  what_if: Array<{ policy: string; label: string | null; savings_usd: number | null; calls_touched: number | null; caveats: string[]; error: string | null }>;
}

/** The JSON of GET /v1/gateway/effects. */
export interface GatewayEffectsJson {
  window: { from: string; to: string };
  gateway_calls: number;
  cost: Money;
  first_call: string | null;
  last_call: string | null;
  /** The configured levers (no provider settings: they name key variables). */
  policies: { output_caps: unknown[]; routes: unknown[]; response_cache: unknown[]; semantic_cache: unknown[]; sessions: unknown[]; cascades: unknown[]; budgets: unknown[] };
  levers: LeverEffectJson[];
  refusals: Array<{ reason: string; budget: string | null; session_limit: string | null; calls: number }>;
  notes: string[];
}

const dayMs = 86_400_000;
const defaultDays = 30;
const money = (picodollars: bigint): Money => ({ usd: usd(picodollars), exact: formatPicodollarsExact(picodollars) });
const sum = <T>(rows: readonly T[], value: (row: T) => bigint): bigint => rows.reduce((total, row) => total + value(row), 0n);

/**
 * What the gateway's policies did over a window, per lever, measured from the events it recorded (exact where
 * a call can be repriced, an estimate or a bound where it cannot), beside the what-if replay's estimate for each
 * policy over the same window.
 */
export async function gatewayEffectsOver(app: App, store: Store, flags: GatewayEffectsFlags): Promise<GatewayEffectsJson> {
  const window = effectsWindow(app, flags);
  const range = { fromMs: dayNumber(window.from) * dayMs, toMs: dayNumber(window.to) * dayMs };
  const policies = app.config.gateway.policies as unknown as WhatIfPolicies & Record<string, unknown>;
  const cascadeTargets = (policies.cascades ?? []).flatMap((rule, index) => (rule.then === undefined ? [] : [{ rule: index, model: rule.then.model }]));
  const priced = await store.gatewayPricedModels(range, cascadeTargets);
  // Each model a call was moved from, as the catalog knows it: under the call's own provider first.
  const targets = new Map<string, TargetModel>();
  for (const alternative of priced.alternatives) {
    const lookup = alternative.provider === null ? app.catalog.findModel(alternative.model) : app.catalog.findModel(alternative.model, { provider: alternative.provider });
    const found = lookup.found ? lookup : app.catalog.findModel(alternative.model);
    if (found.found) targets.set(pairKey(alternative.provider, alternative.model), { provider: found.model.provider, model: found.model.model });
  }
  const rates = buildSimulationRates(priced.own, [...targets.values()], app.catalog, range, { tiers: reportSettings(app.config).tiers });
  const keyed = (pairs: Array<{ provider: string | null; model: string }>, resolve: (pair: { provider: string | null; model: string }) => number | undefined) =>
    pairs.flatMap((pair) => {
      const key = resolve(pair);
      return key === undefined ? [] : [{ provider: pair.provider, model: pair.model, key }];
    });
  const rows = await store.gatewayEffects({
    range,
    keys: rates.keys,
    rates: rates.rates,
    ownKeys: keyed(priced.own, (pair) => rates.keyOf(pair.provider, pair.model)),
    alternativeKeys: keyed(priced.alternatives, (pair) => {
      const target = targets.get(pairKey(pair.provider, pair.model));
      return target === undefined ? undefined : rates.keyOf(target.provider, target.model);
    }),
    cascadeTargets,
  });

  // Also without gateway calls: over a window before the gateway, the estimates are the forecast to compare with later.
  const whatIfs = await estimates(app, store, policies, rows, window);
  const levers = measuredLevers(rows).map((lever) => ({ ...lever, what_if: whatIfs.filter((estimate) => estimate.lever === lever.lever).map(({ lever: _, ...estimate }) => estimate) }));
  const notes: string[] = [];
  if (rows.calls === 0) notes.push('no call went through the gateway in this window: point an SDK at `unitcost gateway` (or `unitcost serve --gateway`) and its calls show here');
  if (whatIfs.length > 0) {
    notes.push('the what-if replays the recorded calls, which already went through these policies: its estimate is what each policy would change on top of what it did, so read it over a window before the policy went live to compare a forecast with the result');
  }
  if (app.config.budgets.length > 0) notes.push('budgets have no what-if counterpart: a refusal is counted, and what the refused call would have cost is not recorded');
  return {
    window,
    gateway_calls: rows.calls,
    cost: money(rows.costPicodollars),
    first_call: rows.firstMs === null ? null : new Date(rows.firstMs).toISOString(),
    last_call: rows.lastMs === null ? null : new Date(rows.lastMs).toISOString(),
    policies: {
      output_caps: policies.output_caps as unknown[],
      routes: policies.routes as unknown[],
      response_cache: policies.response_cache as unknown[],
      semantic_cache: (policies.semantic_cache ?? []) as unknown[],
      sessions: policies.sessions as unknown[],
      cascades: (policies.cascades ?? []) as unknown[],
      budgets: app.config.budgets,
    },
    levers,
    refusals: rows.refusals.map((row) => ({ reason: row.reason, budget: row.budget, session_limit: row.sessionLimit, calls: row.calls })),
    notes,
  };
}

const pairKey = (provider: string | null, model: string): string => `${provider ?? ''}\u0000${model}`;

function effectsWindow(app: App, flags: GatewayEffectsFlags): { from: string; to: string } {
  const day = (value: string, field: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UnitcostError('invalid_argument', `${field} must be a whole UTC day such as 2026-03-01, got "${value}"`, { field });
    return parseInstant(value, field).toISOString().slice(0, 10);
  };
  const to = flags.to === undefined ? addDays(app.now().toISOString().slice(0, 10), 1) : day(flags.to, 'to');
  const from = flags.from === undefined ? addDays(to, -defaultDays) : day(flags.from, 'from');
  if (to <= from) throw new UnitcostError('invalid_argument', `to ${to} must come after from ${from} (to is the first day after the window)`, { field: 'to' });
  return { from, to };
}

function measuredLevers(rows: GatewayEffectsRows): Array<Omit<LeverEffectJson, 'what_if'>> {
  const routed = sum(rows.routes, (row) => row.alternativePicodollars - row.actualPicodollars);
  const cacheHits = rows.caches.reduce((total, row) => total + row.hits, 0);
  const cacheSaved = sum(rows.caches, (row) => row.estimatedSavedPicodollars ?? 0n);
  const clamped = rows.outputCaps.filter((row) => row.action === 'clamped');
  const bound = sum(clamped, (row) => row.upperBoundPicodollars ?? 0n);
  const cascaded = sum(rows.cascades, (row) => row.answeredAtEscalationPicodollars - row.answeredPicodollars - row.escalatedFirstPicodollars);
  const refusedBy = (reason: string) => rows.refusals.filter((row) => row.reason === reason);
  const count = <T>(list: readonly T[], value: (row: T) => number) => list.reduce((total, row) => total + value(row), 0);
  return [
    {
      lever: 'route',
      calls: count(rows.routes, (row) => row.calls),
      saved: rows.routes.length === 0 ? null : money(routed),
      basis: 'exact',
      method: "each routed call's tokens repriced at the model the client asked for (routed_from), minus what the call cost; calls either model cannot price are left out",
      rows: rows.routes.map((row) => ({ from: row.from, to: row.model, provider: row.provider, calls: row.calls, unpriced_calls: row.unpriced, cost: money(row.actualPicodollars), at_requested_model: money(row.alternativePicodollars), saved: money(row.alternativePicodollars - row.actualPicodollars) })),
    },
    {
      lever: 'response_cache',
      calls: cacheHits,
      saved: rows.caches.length === 0 ? null : money(cacheSaved),
      basis: 'estimate',
      method: "an estimate: each hit is valued at the average cost of its feature and model's answered misses in the window; hits without such a miss are not valued",
      rows: rows.caches.map((row) => ({ feature: row.feature, model: row.model, kind: row.kind, hits: row.hits, misses: row.misses, miss_cost: money(row.missPicodollars), saved: row.estimatedSavedPicodollars === null ? null : money(row.estimatedSavedPicodollars) })),
    },
    {
      lever: 'output_cap',
      calls: count(rows.outputCaps, (row) => row.calls),
      saved: clamped.length === 0 ? null : money(bound),
      basis: clamped.length === 0 ? 'not_measurable' : 'upper_bound',
      method:
        'not measurable per call: nobody knows how long the answer would have been. For clamped calls, an upper bound: (requested − limit) output tokens at the model\'s output price; a cap set where the client asked for no limit has no bound',
      rows: rows.outputCaps.map((row) => ({ limit: row.limit, action: row.action, calls: row.calls, tokens_above_limit: Number(row.tokensAboveLimit), upper_bound: row.upperBoundPicodollars === null ? null : money(row.upperBoundPicodollars), unpriced_calls: row.unpriced })),
    },
    {
      lever: 'cascade',
      calls: count(rows.cascades, (row) => row.first),
      saved: rows.cascades.length === 0 ? null : money(cascaded),
      basis: 'exact',
      method:
        'calls the first model answered, repriced at the escalation model, minus what they cost; less what the first attempts that escalated cost, spent on top of their escalated call (each matched to it by task)',
      rows: rows.cascades.map((row) => ({
        rule: row.rule,
        first_model: row.model,
        escalation_model: row.escalationModel,
        answered_first: row.first - row.escalated,
        escalated: row.escalated,
        unpriced_calls: row.unpriced,
        saved_on_answered: money(row.answeredAtEscalationPicodollars - row.answeredPicodollars),
        spent_on_escalated_first_attempts: money(row.escalatedFirstPicodollars),
        saved: money(row.answeredAtEscalationPicodollars - row.answeredPicodollars - row.escalatedFirstPicodollars),
      })),
    },
    {
      lever: 'session_limit',
      calls: count(refusedBy('session_limit'), (row) => row.calls),
      saved: null,
      basis: 'not_measurable',
      method: 'a count of the calls refused by a session limit: a refused call never ran, so its cost is unknown',
      rows: refusedBy('session_limit').map((row) => ({ session_limit: row.sessionLimit, calls: row.calls })),
    },
    {
      lever: 'budget',
      calls: count(refusedBy('budget_exceeded'), (row) => row.calls),
      saved: null,
      basis: 'not_measurable',
      method: `a count of the calls hard budgets refused (${rows.softBudgetCalls} calls went past a soft budget): a refused call never ran, so its cost is unknown`,
      rows: refusedBy('budget_exceeded').map((row) => ({ budget: row.budget, calls: row.calls })),
    },
  ];
}

// Each policy's what-if over the same window, one scenario per policy; a scenario that cannot run says why.
async function estimates(app: App, store: Store, policies: WhatIfPolicies, rows: GatewayEffectsRows, window: { from: string; to: string }) {
  const hitRate = (feature: string | null, kind: 'exact' | 'semantic'): number | null => {
    const matching = rows.caches.filter((row) => row.kind === kind && (feature === null || row.feature === feature));
    const hits = matching.reduce((total, row) => total + row.hits, 0);
    const lookups = matching.reduce((total, row) => total + row.hits + row.misses, 0);
    return lookups === 0 ? null : Math.round((hits / lookups) * 10_000) / 10_000;
  };
  const escalationShare = (rule: number): number | null => {
    const matching = rows.cascades.filter((row) => row.rule === rule);
    const first = matching.reduce((total, row) => total + row.first, 0);
    return first === 0 ? null : Math.round((matching.reduce((total, row) => total + row.escalated, 0) / first) * 10_000) / 10_000;
  };
  // The scenarios share a window: the baseline reports are read once for all of them, as optimize does.
  const baseline = newBaselineCache();
  const results = [];
  for (const whatIf of policyWhatIfs(policies, { hitRate, escalationShare })) {
    const base = { lever: whatIf.lever, policy: whatIf.policy, caveats: whatIf.caveats };
    if (whatIf.scenario === null) {
      results.push({ ...base, label: null, savings_usd: null, calls_touched: null, error: null });
      continue;
    }
    try {
      const loaded = loadSimulationScenario({ value: whatIf.scenario, name: whatIf.policy });
      const result = await simulateOnStore(app, store, loaded, { from: new Date(`${window.from}T00:00:00Z`), to: new Date(`${window.to}T00:00:00Z`), baseline });
      results.push({
        ...base,
        label: result.levers[0]?.label ?? null,
        savings_usd: result.total.savings_usd,
        calls_touched: result.total.calls_touched,
        error: null,
      });
    } catch (error) {
      if (!UnitcostError.isInstance(error)) throw error;
      results.push({ ...base, label: null, savings_usd: null, calls_touched: null, error: error.message });
    }
  }
  return results;
}

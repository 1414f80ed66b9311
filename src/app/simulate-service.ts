import type { PriceFields } from '../core/catalog/catalog-overrides.js';
import type { GroupAggregate } from '../core/kpi/group-aggregate.js';
import { addDays, dayNumber, dayString } from '../core/kpi/report-periods.js';
import type { RevenueSettings } from '../core/kpi/revenue-settings.js';
import { buildSimulationResult, type GroupRevenue } from '../core/simulate/build-simulation-result.js';
import { checkScenario } from '../core/simulate/check-scenario.js';
import { compileReplayPlan } from '../core/simulate/compile-replay-plan.js';
import { leverDetails, leverFixedCosts, leverLabel, type LeverContext } from '../core/simulate/lever-economics.js';
import { scenarioLevers, type ScenarioLever } from '../core/simulate/scenario-schema.js';
import type { SimulationResult } from '../core/simulate/simulation-result.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadSimulationScenario, type LoadedSimulationScenario, type ScenarioSource } from '../config/simulation-scenario-file.js';
import type { PricingGroup } from '../store/event-writer.js';
import type { ReportAggregates, UserEconomics } from '../store/report-reader.js';
import type { Store } from '../store/store.js';
import type { App } from './create-app.js';
import { openStore, refuseMissingStore } from './open-store.js';
import { parseInstant } from './parse-instant.js';
import { reportSettings } from './report-service.js';
import { buildSimulationRates, type TargetModel } from './simulation-rates.js';

export type { ScenarioSource } from '../config/simulation-scenario-file.js';
export type { SimulationResult } from '../core/simulate/simulation-result.js';

/** What `unitcost simulate` asks for. */
export interface SimulateOptions {
  scenario: ScenarioSource;
  /** Midnight UTC of the first day, and of the day after the last; default: the stored window. */
  from?: Date;
  to?: Date;
  db?: string;
}

const dayMs = 86_400_000;

/**
 * DuckDB's buffer pool for `unitcost simulate`. Its default, 80% of the machine's memory, let the replay's
 * aggregates and session windows grow the process to 4.6–6.2 GB at 10M calls; capped, DuckDB spills them to
 * `<store>.tmp` (~2 GB at 10M calls) and the whole command peaked at 1.4–1.9 GB. The process holds ~0.4–0.9 GB
 * besides the pool (node, DuckDB's allocations outside it), so 1.5 GB overshot 2 GB (2.4 GB) and 768 MB was
 * slower than 1 GB for little gain (BENCHMARKS.md, "The whole command and its memory").
 */
export const simulateMemoryLimit = '1GB';
/**
 * Two threads, whatever the machine: each thread's hash tables and sort runs share the one 1 GB pool, so more
 * threads would split it thinner and spill more; on the 2-core bench machine one thread took 1.4× as long.
 */
export const simulateThreads = 2;

/** Replays the stored calls of a window under a scenario file, text or object, and compares them with what was recorded. */
export async function simulate(app: App, options: SimulateOptions): Promise<SimulationResult> {
  const loaded = loadSimulationScenario(options.scenario);
  refuseMissingStore(app, options.db === undefined ? {} : { db: options.db });
  const store = await openSimulateStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    return await simulateOnStore(app, store, loaded, options);
  } finally {
    await store.close();
  }
}

/** Opens the store for one simulation, with DuckDB's memory and threads bounded (simulateMemoryLimit). */
export function openSimulateStore(app: App, options: { db?: string } = {}): Promise<Store> {
  return openStore(app, { ...options, memoryLimit: simulateMemoryLimit, threads: simulateThreads });
}

/** The simulation on an open store (the server keeps one open). */
export async function simulateOnStore(
  app: App,
  store: Store,
  loaded: LoadedSimulationScenario,
  options: { from?: Date; to?: Date; baseline?: BaselineCache },
): Promise<SimulationResult> {
  const { window, storedGroups } = await resolveWindow(store, options);
  const range = { fromMs: dayNumber(window.from) * dayMs, toMs: dayNumber(window.to) * dayMs };
  // A window read off the stored calls holds every one of them: their groups are the window's (one scan of the calls, not two).
  const groups = storedGroups ?? (await store.pricingGroups(range));
  if (groups.length === 0) {
    throw new UnitcostError('not_found', `no recorded calls between ${window.from} and ${window.to} (exclusive): there is nothing to replay; widen --from/--to or ingest traffic first`, { field: '--from' });
  }
  const settings = reportSettings(app.config);
  // optimize runs many scenarios over one window: the baseline figures are the same for all of them.
  const baseline = options.baseline ?? newBaselineCache();
  const report: ReportRunner = (groupBy, revenue = settings.revenue) =>
    cached(baseline.reports, JSON.stringify([groupBy, revenue, window]), () =>
      store.report({ groupBy, period: null, from: window.from, to: window.to, where: [], revenue, tiers: settings.tiers }),
    );
  const userEconomics: UserEconomicsRunner = (revenue) =>
    cached(baseline.users, JSON.stringify([revenue, window]), () => store.userEconomics({ from: window.from, to: window.to, revenue }));
  const byFeature = await report(['feature']);
  const features = byFeature.rows.map((row) => row.keys.feature).filter((feature): feature is string => typeof feature === 'string');

  const issues = checkScenario(loaded.scenario, { features, catalog: app.catalog });
  if (issues.length > 0) throw loaded.issueError(issues);

  const levers = scenarioLevers(loaded.scenario);
  const targets = new Map<number, TargetModel>();
  for (const lever of levers) {
    const name = lever.kind === 'route' ? lever.settings.to : lever.kind === 'fine_tune' ? lever.settings.target_model : null;
    if (name === null) continue;
    const lookup = app.catalog.findModel(name);
    if (lookup.found) targets.set(lever.index, { provider: lookup.model.provider, model: lookup.model.model });
  }
  const priceChange = levers.find((lever): lever is Extract<ScenarioLever, { kind: 'price_change' }> => lever.kind === 'price_change');
  const overrides = new Map<string, PriceFields>(Object.entries(priceChange?.settings.overrides ?? {}));
  const rates = buildSimulationRates(groups, [...targets.values()], app.catalog, range, {
    ...(priceChange?.settings.at === undefined ? {} : { atMs: Date.parse(priceChange.settings.at) }),
    overrides,
    tiers: settings.tiers,
  });
  const plan = compileReplayPlan(loaded.scenario, {
    targetKey: (index) => {
      const target = targets.get(index)!;
      return rates.keyOf(target.provider, target.model)!;
    },
    overriddenKeys: rates.overriddenKeys,
  });

  const revenueTracked = byFeature.revenueTracked;
  // The replay reads on a connection of its own: the tier report and the users' baseline are read meanwhile, one
  // after the other on the store's (~0.2 s at 10M calls that no longer wait for the replay).
  const baselineReads = (async () => {
    const tiers = await report(['user_tier']);
    if (revenueTracked) await userEconomics(settings.revenue);
    return tiers;
  })();
  let replay: Awaited<ReturnType<Store['replay']>>;
  try {
    replay = await store.replay({ range, plan, keys: rates.keys, rates: rates.rates, byUser: revenueTracked });
  } finally {
    // Settled before anything goes on (or the store is closed under them); their failure is reported just below.
    await baselineReads.catch(() => undefined);
  }
  const byTier = await baselineReads;

  const context: LeverContext = {
    replay,
    windowDays: dayNumber(window.to) - dayNumber(window.from),
    keys: rates.keys,
    ratesOf: (key) => rates.rates.find((row) => row.key === key && row.rates !== null && row.inputAbove < 0)?.rates ?? null,
  };
  const fixedCosts = leverFixedCosts(levers, context);
  const plansLever = levers.find((lever): lever is Extract<ScenarioLever, { kind: 'plans' }> => lever.kind === 'plans');
  const scenarioRevenue = plansLever ? await planRevenue(plansLever, settings.revenue, report, { total: byFeature.totals.current, features: byFeature, tiers: byTier }) : null;
  const usersAtLoss = revenueTracked ? await lossMakingUsers(replay, userEconomics, plansLever, settings.revenue) : null;
  const leverDetailMap = new Map(levers.map((lever) => [lever.index, leverDetails(lever, context, fixedCosts)]));
  if (plansLever && scenarioRevenue) leverDetailMap.set(plansLever.index, { by_tier: plansByTier(byTier, scenarioRevenue.tiers, replay, usersAtLoss) });

  const notes: string[] = [];
  const unpriced = replay.find((row) => row.grouping === 'total')?.sums.unpriced_calls ?? 0n;
  if (unpriced > 0n) notes.push(`${unpriced} calls have no price (unknown model) and count in no cost, as in unitcost report`);
  if (!revenueTracked) notes.push('no revenue is tracked (no plans configured, no revenue records): margins and users served at a loss are not computed');
  notes.push('the scenario cost is not broken down by token class: cost_input_usd and the other class costs are null in scenario');

  return buildSimulationResult({
    scenario: loaded.scenario,
    window: { ...window, days: context.windowDays },
    revenueTracked,
    baseline: {
      total: byFeature.totals.current,
      features: new Map(byFeature.rows.map((row) => [row.keys.feature ?? null, row.current])),
      tiers: new Map(byTier.rows.map((row) => [row.keys.user_tier ?? null, row.current])),
    },
    replay,
    scenarioRevenue,
    fixedCosts,
    usersAtLoss,
    leverDetails: leverDetailMap,
    labels: new Map(levers.map((lever) => [lever.index, leverLabel(lever)])),
    notes,
  });
}

/** The window to replay, and the pricing groups of every stored call when both its ends were read off them (null otherwise). */
async function resolveWindow(store: Store, options: { from?: Date; to?: Date }): Promise<{ window: { from: string; to: string }; storedGroups: PricingGroup[] | null }> {
  const from = options.from ? wholeDay(options.from, '--from') : undefined;
  const to = options.to ? wholeDay(options.to, '--to') : undefined;
  if (from !== undefined && to !== undefined && to <= from) {
    throw new UnitcostError('invalid_argument', `--to ${to} must come after --from ${from} (--to is the first day after the window)`, { field: '--to' });
  }
  if (from !== undefined && to !== undefined) return { window: { from, to }, storedGroups: null };
  const groups = await store.pricingGroups({});
  if (groups.length === 0) throw new UnitcostError('not_found', 'the store holds no recorded calls: there is nothing to replay; run `unitcost ingest FILE` or `unitcost demo` first', { field: 'db' });
  const first = dayString(Math.floor(Math.min(...groups.map((group) => group.firstMs)) / dayMs));
  const last = dayString(Math.floor(Math.max(...groups.map((group) => group.lastMs)) / dayMs));
  // From the first stored day to the day after the last: every call is in the window.
  return { window: { from: from ?? first, to: to ?? addDays(last, 1) }, storedGroups: from === undefined && to === undefined ? groups : null };
}

function wholeDay(date: Date, flag: string): string {
  const ms = date.getTime();
  if (ms % dayMs !== 0) throw new UnitcostError('invalid_argument', `${flag} must be a whole UTC day, got ${date.toISOString()}`, { field: flag });
  return dayString(ms / dayMs);
}

/** The baseline figures simulate reads from the store, kept across the scenarios of one window (optimize's). */
export interface BaselineCache {
  reports: Map<string, ReportAggregates>;
  users: Map<string, UserEconomics[]>;
}

export function newBaselineCache(): BaselineCache {
  return { reports: new Map(), users: new Map() };
}

async function cached<Value>(known: Map<string, Value>, key: string, compute: () => Promise<Value>): Promise<Value> {
  const hit = known.get(key);
  if (hit !== undefined) return hit;
  const value = await compute();
  known.set(key, value);
  return value;
}

type ReportRunner = (groupBy: Array<'feature' | 'user_tier'>, revenue?: RevenueSettings) => Promise<ReportAggregates>;
type UserEconomicsRunner = (revenue: RevenueSettings) => Promise<UserEconomics[]>;

const revenueOf = (aggregate: GroupAggregate): GroupRevenue => ({ plan: aggregate.planRevenuePicodollars, record: aggregate.recordRevenuePicodollars });

// The new plans replace, for the tiers they name, both the configured plan revenue and the revenue records.
// Groups keep their baseline revenue and are adjusted by the named tiers only, so untouched figures stay exact.
async function planRevenue(lever: Extract<ScenarioLever, { kind: 'plans' }>, revenue: RevenueSettings, report: ReportRunner, baseline: { total: GroupAggregate; features: ReportAggregates; tiers: ReportAggregates }) {
  const named = new Set(Object.keys(lever.settings.tiers));
  const newSettings: RevenueSettings = { ...revenue, plans: { ...revenue.plans, ...lever.settings.tiers } };
  // One after the other: the reports share the store's connection.
  const before = await report(['feature', 'user_tier']);
  const after = await report(['feature', 'user_tier'], newSettings);
  const features = new Map<string | null, GroupRevenue>(baseline.features.rows.map((row) => [row.keys.feature ?? null, revenueOf(row.current)]));
  const tiers = new Map<string | null, GroupRevenue>();
  const total = revenueOf(baseline.total);
  const shift = (target: GroupRevenue | undefined, removed: GroupRevenue, added: bigint): void => {
    if (!target) return;
    target.plan += added - removed.plan;
    target.record -= removed.record;
  };
  const afterByKey = new Map(after.rows.map((row) => [`${row.keys.feature ?? ''}\u0000${row.keys.user_tier ?? ''}`, row.current.planRevenuePicodollars]));
  for (const row of before.rows) {
    const tier = row.keys.user_tier ?? null;
    if (tier === null || !named.has(tier)) continue;
    const added = afterByKey.get(`${row.keys.feature ?? ''}\u0000${tier}`) ?? 0n;
    shift(features.get(row.keys.feature ?? null), revenueOf(row.current), added);
    shift(total, revenueOf(row.current), added);
  }
  for (const row of baseline.tiers.rows) {
    const tier = row.keys.user_tier ?? null;
    if (tier === null || !named.has(tier)) continue;
    const added = after.rows.filter((candidate) => candidate.keys.user_tier === tier).reduce((sum, candidate) => sum + candidate.current.planRevenuePicodollars, 0n);
    tiers.set(tier, { plan: added, record: 0n });
  }
  return { total, features, tiers };
}

// A user is served at a loss when their revenue over the window is below their inference cost.
// Only cost and revenue per user are needed: a full report by user would also count tasks and distinct users over two windows.
async function lossMakingUsers(replay: Awaited<ReturnType<Store['replay']>>, userEconomics: UserEconomicsRunner, plans: Extract<ScenarioLever, { kind: 'plans' }> | undefined, revenue: RevenueSettings) {
  const before = await userEconomics(revenue);
  const after = plans ? await userEconomics({ ...revenue, plans: { ...revenue.plans, ...plans.settings.tiers } }) : before;
  const named = new Set(Object.keys(plans?.settings.tiers ?? {}));
  // By tier, then user: no key text built per user (50,001 users at 10M calls).
  const byTierAndUser = <T>(entries: Iterable<[string | null, string | null, T]>): Map<string | null, Map<string | null, T>> => {
    const tiers = new Map<string | null, Map<string | null, T>>();
    for (const [tier, user, value] of entries) {
      let users = tiers.get(tier);
      if (!users) tiers.set(tier, (users = new Map()));
      users.set(user, value);
    }
    return tiers;
  };
  const scenarioCost = byTierAndUser(replay.filter((row) => row.grouping === 'user').map((row) => [row.userTier, row.userId, row.sums.cost]));
  // Read only for the tiers a plans lever names: without one, no map of 50,001 users is built for nothing.
  const afterRevenue = byTierAndUser(named.size === 0 ? [] : after.map((user) => [user.userTier, user.userId, user.planRevenuePicodollars]));
  const counts = { before: new Map<string | null, number>(), after: new Map<string | null, number>() };
  const bump = (map: Map<string | null, number>, tier: string | null): void => {
    map.set(tier, (map.get(tier) ?? 0) + 1);
  };
  for (const user of before) {
    if (user.userId === null) continue;
    const tier = user.userTier;
    const baselineRevenue = user.planRevenuePicodollars + user.recordRevenuePicodollars;
    if (baselineRevenue < user.costPicodollars) bump(counts.before, tier);
    const newRevenue = tier !== null && named.has(tier) ? (afterRevenue.get(tier)?.get(user.userId) ?? 0n) : baselineRevenue;
    const cost = scenarioCost.get(tier)?.get(user.userId) ?? user.costPicodollars;
    if (newRevenue < cost) bump(counts.after, tier);
  }
  return counts;
}

function plansByTier(byTier: ReportAggregates, scenario: Map<string | null, GroupRevenue>, replay: Awaited<ReturnType<Store['replay']>>, usersAtLoss: { before: Map<string | null, number>; after: Map<string | null, number> } | null) {
  const usd = (picodollars: bigint): number => Number(picodollars) / 1e12;
  const margin = (revenue: bigint, cost: bigint): number | null => (revenue > 0n ? Number(revenue - cost) / Number(revenue) : null);
  const tierCost = new Map(replay.filter((row) => row.grouping === 'user_tier').map((row) => [row.userTier, row.sums.cost]));
  return byTier.rows.map((row) => {
    const tier = row.keys.user_tier ?? null;
    const before = row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars;
    const revenue = scenario.get(tier);
    const after = revenue ? revenue.plan + revenue.record : before;
    const cost = tierCost.get(tier) ?? row.current.costPicodollars.total;
    return {
      user_tier: tier,
      revenue_before_usd: usd(before),
      revenue_after_usd: usd(after),
      margin_before: margin(before, row.current.costPicodollars.total),
      margin_after: margin(after, cost),
      users_at_loss_before: usersAtLoss?.before.get(tier) ?? null,
      users_at_loss_after: usersAtLoss?.after.get(tier) ?? null,
    };
  });
}

/** A what-if request as the server receives it: the scenario (text or parsed JSON) and the window as typed. */
export interface SimulateRequest {
  scenario: ScenarioSource;
  from?: string;
  to?: string;
}

/** The JSON of `unitcost simulate --json` over a store the server holds open. */
export function simulateOver(app: App, store: Store, request: SimulateRequest): Promise<SimulationResult> {
  const loaded = loadSimulationScenario(request.scenario);
  return simulateOnStore(app, store, loaded, {
    ...(request.from === undefined ? {} : { from: parseInstant(request.from, 'from') }),
    ...(request.to === undefined ? {} : { to: parseInstant(request.to, 'to') }),
  });
}

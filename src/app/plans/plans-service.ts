import { addDays, dayNumber, dayString } from '../../core/kpi/report-periods.js';
import { designTierPlans, type PlanUser, type TierPlanDesign, type TierUsage } from '../../core/plans/design-tier-plans.js';
import { suggestModelTier, type ModelOption } from '../../core/plans/model-tier-options.js';
import { inputName, parsePlanConstraints, type PlanConstraintsInput } from '../../core/plans/plan-constraints.js';
import { constraintsJson, tierPlansJson, type PlansResult } from '../../core/plans/plans-result.js';
import { planMonthDays, scaleToMonth } from '../../core/plans/scale-to-month.js';
import { compileReplayPlan } from '../../core/simulate/compile-replay-plan.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { loadSimulationScenario } from '../../config/simulation-scenario-file.js';
import type { Store } from '../../store/store.js';
import type { App } from '../create-app.js';
import { openStore, refuseMissingStore } from '../open-store.js';
import { reportSettings } from '../report-service.js';
import { buildSimulationRates } from '../simulation-rates.js';

export type { PlansResult } from '../../core/plans/plans-result.js';

/** What `unitcost plans` and GET /v1/plans ask for, as typed. */
export interface PlansOptions extends PlanConstraintsInput {
  /** Only this user tier. */
  tier?: string;
  /** A calendar month, YYYY-MM; default: the last 30 days of data, scaled to a month. */
  month?: string;
  /** Instead of a month, whole UTC days [from, to), scaled to a month (optimize's window); either side defaults to the stored data's. */
  from?: Date;
  to?: Date;
  db?: string;
  /** Reprice each tier at a budget and a mid model (the routing lever's replay); default true. */
  models?: boolean;
}

// The models each tier is repriced at, by the provider most of its cost goes to: a stated default, like
// optimize's budget models, each labelled with the tier the catalog's price puts it in (not the one named here).
const modelOptions: Record<string, string[]> = {
  openai: ['openai/gpt-4.1-mini', 'openai/o4-mini'],
  anthropic: ['anthropic/claude-3-haiku', 'anthropic/claude-haiku-4-5'],
  google: ['google/gemini-2.5-flash-lite', 'google/gemini-2.5-flash'],
};
const fallbackProvider = 'openai';
const dayMs = 86_400_000;
// The last 30 days: a month of usage, recent enough to price from.
const defaultWindowDays = 30;

/** Proposes plans per user tier from the recorded usage of the store at --db (or the configured one). */
export async function plans(app: App, options: PlansOptions): Promise<PlansResult> {
  // Constraints first: a bad flag fails before the store is opened.
  parsePlanConstraints(options);
  refuseMissingStore(app, options.db === undefined ? {} : { db: options.db });
  const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    return await plansOnStore(app, store, options);
  } finally {
    await store.close();
  }
}

/** The plans over a store already open (the server keeps one). */
export async function plansOnStore(app: App, store: Store, options: PlansOptions): Promise<PlansResult> {
  const constraints = parsePlanConstraints(options);
  const window = await resolveWindow(store, options);
  const settings = reportSettings(app.config);
  const query = { period: null, from: window.from, to: window.to, where: [], revenue: settings.revenue, tiers: settings.tiers };
  const byUser = await store.report({ ...query, groupBy: ['user_tier', 'user_id'] });
  const notes: string[] = [];
  const tiers = new Map<string, PlanUser[]>();
  let untiered = 0;
  for (const row of byUser.rows) {
    const tier = row.keys.user_tier ?? null;
    const userId = row.keys.user_id ?? null;
    // A user who only paid in the window used nothing a plan would price.
    if (row.current.calls === 0) continue;
    if (tier === null || userId === null) {
      untiered += row.current.calls;
      continue;
    }
    const user: PlanUser = {
      userId,
      costPicodollars: row.current.costPicodollars.total,
      // Calls that did not fail, as a plan's included_requests counts them.
      calls: row.current.calls - row.current.failedCalls,
      tasks: row.current.tasks,
      revenuePicodollars: row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars,
    };
    tiers.set(tier, [...(tiers.get(tier) ?? []), window.scaled ? scaleToMonth(user, window.days, planMonthDays) : user]);
  }
  if (options.tier !== undefined && !tiers.has(options.tier)) {
    const known = [...tiers.keys()].sort();
    throw new UnitcostError('not_found', `no user of tier ${options.tier} has calls between ${window.from} and ${window.to} (exclusive)${known.length > 0 ? `: the tiers with calls are ${known.join(', ')}` : ''}`, { field: inputName('tier', options.naming), suggestions: known });
  }
  if (tiers.size === 0) throw new UnitcostError('not_found', `no calls between ${window.from} and ${window.to} (exclusive) carry a user_tier and a user_id: plans are designed per tier from each user's usage`, { field: inputName('month', options.naming) });
  if (untiered > 0) notes.push(`${untiered} calls without a user_tier or user_id are in no tier's figures`);
  if (byUser.totals.current.unpricedCalls > 0) notes.push(`${byUser.totals.current.unpricedCalls} calls have no price (unknown model) and count in no cost`);
  if (window.scaled) notes.push(`figures are the ${window.days} days from ${window.from} to ${addDays(window.to, -1)}, scaled to a month of ${planMonthDays} days; choose a calendar month (YYYY-MM) to price one month as recorded`);
  if (constraints.unit === 'tasks') notes.push('the config\'s plans count an allowance in requests or dollars, not yet in tasks: these candidates have no config entry to paste');
  if (!byUser.revenueTracked) notes.push("no revenue is tracked (no plans configured, no revenue records): today's margin and who is subsidized today are not known");

  const names = [...tiers.keys()].filter((tier) => options.tier === undefined || tier === options.tier).sort();
  const usages: TierUsage[] = names.map((tier) => ({ tier, users: tiers.get(tier)!, currentPlan: app.config.plans[tier] ?? null }));
  const designs = usages.map((usage) => designTierPlans(usage, constraints));
  const models = options.models === false ? null : await modelOptionsByTier(app, store, window, usages, designs, notes);
  return {
    window: { from: window.from, to: window.to, days: window.days, month: options.month ?? null, scaled_to_month: window.scaled },
    constraints: constraintsJson(constraints),
    tiers: designs.map((design, index) => tierPlansJson(design, models === null ? null : suggestModelTier(usages[index]!, design, models.get(design.tier) ?? [], constraints))),
    notes,
  };
}

/** The request as GET /v1/plans query parameters, for the CLI to ask a server that holds the store. */
export function plansQuery(request: PlansOptions): Array<[string, string]> {
  const query: Array<[string, string]> = [];
  const add = (name: string, value: string | number | number[] | boolean | undefined): void => {
    if (value !== undefined) query.push([name, Array.isArray(value) ? value.join(',') : String(value)]);
  };
  add('tier', request.tier);
  add('target_margin', request.targetMargin);
  add('price_points', request.pricePoints);
  add('max_overage_share', request.maxOverageShare);
  add('allowance', request.allowance);
  add('month', request.month);
  if (request.models === false) add('models', false);
  return query;
}

interface PlansWindow {
  from: string;
  to: string;
  days: number;
  /** Whether the figures are scaled to a month (not a calendar month given whole). */
  scaled: boolean;
}

async function resolveWindow(store: Store, options: Pick<PlansOptions, 'month' | 'from' | 'to' | 'naming'>): Promise<PlansWindow> {
  const { month } = options;
  const monthName = inputName('month', options.naming);
  if (month !== undefined) {
    const match = /^(\d{4})-(\d{2})$/.exec(month.trim());
    const monthNumber = match ? Number(match[2]) : 0;
    if (!match || monthNumber < 1 || monthNumber > 12) throw new UnitcostError('invalid_argument', `${monthName} must be a calendar month such as 2026-03, got ${month}`, { field: monthName });
    const from = `${match[1]}-${match[2]}-01`;
    const next = new Date(Date.UTC(Number(match[1]), monthNumber, 1));
    const to = dayString(next.getTime() / dayMs);
    return { from, to, days: dayNumber(to) - dayNumber(from), scaled: false };
  }
  const groups = await store.pricingGroups({});
  if (groups.length === 0) throw new UnitcostError('not_found', 'the store holds no recorded calls: there is no usage to price plans from; run `unitcost ingest FILE` or `unitcost demo` first', { field: 'db' });
  const first = Math.floor(Math.min(...groups.map((group) => group.firstMs)) / dayMs);
  const given = (date: Date | undefined): number | undefined => (date === undefined ? undefined : Math.floor(date.getTime() / dayMs));
  const to = given(options.to) ?? Math.floor(Math.max(...groups.map((group) => group.lastMs)) / dayMs) + 1;
  const from = given(options.from) ?? (options.to === undefined ? Math.max(first, to - defaultWindowDays) : first);
  if (to <= from) throw new UnitcostError('invalid_argument', `--to ${dayString(to)} must come after --from ${dayString(from)}`, { field: '--to' });
  return { from: dayString(from), to: dayString(to), days: to - from, scaled: true };
}

/**
 * Each tier's usage repriced at a budget and a mid model of the provider most of its cost goes to: one replay
 * of the routing lever per model (every call routed to it), whose per-user cost is what that user would have
 * cost on it. The same replay as `unitcost simulate` with `route: {to: MODEL}`.
 */
async function modelOptionsByTier(app: App, store: Store, window: PlansWindow, usages: TierUsage[], designs: TierPlanDesign[], notes: string[]): Promise<Map<string, ModelOption[]>> {
  const settings = reportSettings(app.config);
  const byProvider = await store.report({ groupBy: ['user_tier', 'provider'], period: null, from: window.from, to: window.to, where: [], revenue: settings.revenue, tiers: settings.tiers });
  const providerOf = new Map<string, string>();
  for (const usage of usages) {
    const rows = byProvider.rows.filter((row) => row.keys.user_tier === usage.tier).sort((a, b) => (a.current.costPicodollars.total > b.current.costPicodollars.total ? -1 : 1));
    const provider = rows[0]?.keys.provider ?? null;
    if (provider !== null && modelOptions[provider]) {
      providerOf.set(usage.tier, provider);
    } else {
      providerOf.set(usage.tier, fallbackProvider);
      notes.push(`tier ${usage.tier} runs mostly on ${provider ?? 'an unknown provider'}, which has no stated budget and mid model: it is repriced at ${fallbackProvider}'s`);
    }
  }
  const range = { fromMs: dayNumber(window.from) * dayMs, toMs: dayNumber(window.to) * dayMs };
  const groups = await store.pricingGroups(range);
  const costsAt = new Map<string, { tier: string; costs: Map<string, bigint> }>();
  // One after the other: the replays share the store's connection.
  for (const name of [...new Set([...providerOf.values()].flatMap((provider) => modelOptions[provider]!))]) {
    const lookup = app.catalog.findModel(name);
    if (!lookup.found) continue;
    const target = { provider: lookup.model.provider, model: lookup.model.model };
    const rates = buildSimulationRates(groups, [target], app.catalog, range, { tiers: settings.tiers });
    const targetKey = rates.keyOf(target.provider, target.model)!;
    // A model the catalog cannot price over the window would cost $0 in the replay: leave it out rather than suggest it.
    if (!rates.rates.some((row) => row.key === targetKey && row.rates !== null)) {
      notes.push(`${name} has no catalog price between ${window.from} and ${window.to}: it is not compared`);
      continue;
    }
    const scenario = loadSimulationScenario({ value: { name: `plans at ${name}`, levers: [{ route: { to: name } }] }, name: `plans (${name})` }).scenario;
    const plan = compileReplayPlan(scenario, { targetKey: () => targetKey, overriddenKeys: rates.overriddenKeys });
    const replay = await store.replay({ range, plan, keys: rates.keys, rates: rates.rates, byUser: true });
    const costs = new Map<string, bigint>();
    for (const row of replay) {
      if (row.grouping !== 'user' || row.userTier === null || row.userId === null) continue;
      const scaled = window.scaled ? scaleToMonth({ userId: row.userId, costPicodollars: row.sums.cost, calls: 0, tasks: 0, revenuePicodollars: 0n }, window.days, planMonthDays).costPicodollars : row.sums.cost;
      costs.set(`${row.userTier}\u0000${row.userId}`, scaled);
    }
    costsAt.set(name, { tier: rates.keys[targetKey]!.tier, costs });
  }
  const options = new Map<string, ModelOption[]>();
  designs.forEach((design) => {
    const recorded: ModelOption = { model: null, modelTier: 'recorded', costs: new Map() };
    const repriced = modelOptions[providerOf.get(design.tier)!]!.flatMap((name): ModelOption[] => {
      const at = costsAt.get(name);
      if (!at) return [];
      const prefix = `${design.tier}\u0000`;
      const costs = new Map([...at.costs].filter(([key]) => key.startsWith(prefix)).map(([key, cost]) => [key.slice(prefix.length), cost]));
      return [{ model: name, modelTier: at.tier, costs }];
    });
    options.set(design.tier, [recorded, ...repriced]);
  });
  return options;
}

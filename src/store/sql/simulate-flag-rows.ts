import type { ModelKey, ReplayPlan } from '../../core/simulate/replay-plan.js';
import { simulationSums, type SimulationGroupRow, type SimulationSum } from '../simulation-replayer.js';
import type { SqlDialect } from './sql-dialect.js';

/*
 * The flag pass of the replay (simulate-replay-groups.ts), written once for every backend. Per call, the ~18
 * conditions the sums filter on are packed into one integer; the calls are summed by (feature, user tier, model,
 * [original model, route rule], flags) with a dozen plain exact sums — a few hundred rows — and JavaScript rolls
 * those rows up per feature, user tier, route rule, (feature, model) and in total, taking each "sum where …" from
 * the flags. ClickHouse 18.16 has no GROUPING SETS; in DuckDB ~40 filtered aggregates over 10M calls cost about
 * three times the plain ones.
 */

/** A number or text read back from either backend as an exact integer; null is 0. */
export function bigintOf(value: unknown): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'boolean') return value ? 1n : 0n;
  return BigInt(String(value));
}

export const numberOrNull = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));
export const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

// Per call, the conditions the plain sums filter on, or null when the scenario cannot raise one.
export function flagConditions(plan: ReplayPlan): Array<[string, string]> {
  const routes = plan.routes.length > 0;
  const conditions: Record<string, string | null> = {
    dropped: plan.sessionLimits.length > 0 ? 'dropped' : null,
    unpriced: 'cost IS NULL',
    failed: "status IN ('error', 'timeout', 'cancelled')",
    cache_hit: "response_hit OR response_cache = 'hit'",
    cache_lookup: 'response_lookup OR response_cache IS NOT NULL',
    touched: 'touched',
    routed: routes ? 'routed' : null,
    escalated: routes ? 'escalated' : null,
    fine_tuned: plan.fineTunes.length > 0 ? 'fine_tuned' : null,
    prompt_hit: plan.promptCaches.length > 0 ? 'prompt_cache_hit' : null,
    prompt_miss: plan.promptCaches.length > 0 ? 'prompt_cache_miss' : null,
    response_lookup: plan.responseCaches.length > 0 ? 'response_lookup' : null,
    response_hit: plan.responseCaches.length > 0 ? 'response_hit' : null,
    truncated: plan.outputCaps.length > 0 ? 'truncated' : null,
    trimmed: plan.trims.length > 0 ? 'input_cut > 0' : null,
    batched: plan.priceChange?.batch != null ? 'batched' : null,
    repriced: plan.priceChange !== null && (plan.priceChange.allCalls || plan.priceChange.overriddenKeys.length > 0) ? 'repriced' : null,
    self_hosted: plan.selfHosts.length > 0 ? 'self_hosted' : null,
  };
  return Object.entries(conditions).filter((entry): entry is [string, string] => entry[1] !== null);
}

// The plain sums taken per flag row, before the filtered sums are read off the flags.
const callMeasures = ['input_tokens', 'cache_read_tokens', 'cache_write_5m_tokens', 'cache_write_1h_tokens', 'output_tokens', 'reasoning_tokens', 'input_audio_tokens', 'output_audio_tokens', 'cost', 'stored_cost', 'output_cut', 'input_cut', 'cost0'] as const;
type CallMeasure = (typeof callMeasures)[number];

// The measures a plan's sums read (flagSums): the API cost of self-hosted calls, the output an output cap cuts and
// the input a trim cuts only with those levers; the others are 0 and need no column.
export const planMeasures = (plan: ReplayPlan): CallMeasure[] =>
  callMeasures.filter((name) => (name === 'cost0' ? plan.selfHosts.length > 0 : name === 'output_cut' ? plan.outputCaps.length > 0 : name === 'input_cut' ? plan.trims.length > 0 : true));

/** A call's flags, one integer of bits (one per condition of flagConditions), as SQL over the replayed calls; CASE takes a NULL condition as false. */
export const flagsSql = (plan: ReplayPlan): string =>
  flagConditions(plan).map(([, condition], bit) => `CASE WHEN ${condition} THEN ${2 ** bit} ELSE 0 END`).join(' + ');

/** One row of the flag pass: the calls of one finest group with the same flags, and their plain sums. */
export interface FlagRow {
  feature: string | null;
  userTier: string | null;
  modelKey: number | null;
  originalKey: number | null;
  routeIndex: number | null;
  flags: number;
  calls: bigint;
  sums: Record<CallMeasure, bigint>;
}

// The finest grouping of the flag rows, flags aside.
export const finestFlagGrouping = (plan: ReplayPlan): string[] => ['feature', 'user_tier', 'model_key', ...(plan.routes.length > 0 ? ['original_key', 'route_index'] : [])];

/** The SQL of the flag pass over the replayed calls (or over staged ones, whose flags are worked out), and how each of its rows reads. */
export function flagRowsQuery(calls: string, plan: ReplayPlan, dialect: SqlDialect, staged: boolean) {
  const byRoute = plan.routes.length > 0;
  const conditions = flagConditions(plan);
  const flags = flagsSql(plan);
  const finest = finestFlagGrouping(plan);
  const measures = planMeasures(plan);
  const sums = measures.map((name) => `${dialect.exactText(dialect.exactSum(name))} AS sum_${name}`).join(', ');
  const sql = staged
    ? `SELECT ${finest.join(', ')}, flags, ${dialect.exactText(dialect.exactSum('calls_in_row'))} AS calls_in_row, ${sums}
    FROM (${calls}) AS staged GROUP BY ${finest.join(', ')}, flags`
    : `SELECT ${finest.join(', ')}, flags, count(*) AS calls_in_row, ${sums}
    FROM (SELECT ${finest.join(', ')}, ${flags} AS flags, ${measures.join(', ')} FROM (${calls}) AS replayed) AS flagged
    GROUP BY ${finest.join(', ')}, flags`;
  const read = (row: Record<string, unknown>): FlagRow => ({
    feature: textOrNull(row.feature),
    userTier: textOrNull(row.user_tier),
    modelKey: numberOrNull(row.model_key),
    originalKey: byRoute ? numberOrNull(row.original_key) : null,
    routeIndex: byRoute ? numberOrNull(row.route_index) : null,
    flags: Number(row.flags),
    calls: bigintOf(row.calls_in_row),
    sums: Object.fromEntries(callMeasures.map((name) => [name, bigintOf(row[`sum_${name}`])])) as Record<CallMeasure, bigint>,
  });
  const bits = new Map(conditions.map(([name], bit) => [name, 2 ** bit]));
  // A condition the scenario cannot raise is false on every call.
  const is = (name: string) => (row: FlagRow): boolean => bits.has(name) && (row.flags & bits.get(name)!) !== 0;
  return { sql, read, is };
}

/** Each plain sum as a function of one flag row: the row's calls or sum where the condition holds, else 0. */
export function flagSums(plan: ReplayPlan, keys: readonly ModelKey[], is: (name: string) => (row: FlagRow) => boolean): Partial<Record<SimulationSum, (row: FlagRow) => bigint>> {
  type Condition = (row: FlagRow) => boolean;
  const not = (condition: Condition): Condition => (row) => !condition(row);
  const all = (...conditions: Condition[]): Condition => (row) => conditions.every((condition) => condition(row));
  const made = not(is('dropped'));
  const priced = all(made, not(is('unpriced')));
  const count = (condition: Condition) => (row: FlagRow): bigint => (condition(row) ? row.calls : 0n);
  const total = (measure: CallMeasure, condition: Condition = made) => (row: FlagRow): bigint => (condition(row) ? row.sums[measure] : 0n);
  const tiers = new Map(keys.map((key) => [key.key, key.tier as string]));
  const tier = (name: string): Condition => (row) => (row.modelKey === null ? undefined : tiers.get(row.modelKey)) === name || (name === 'unpriced' && (row.modelKey === null || !tiers.has(row.modelKey)));
  const blended = new Map(keys.filter((key) => key.blendedRate !== null).map((key) => [key.key, key.blendedRate!]));
  const rateOf = (key: number | null): number | undefined => (key === null ? undefined : blended.get(key));
  const toCheaper: Condition = (row) => {
    const [to, from] = [rateOf(row.modelKey), rateOf(row.originalKey)];
    return to !== undefined && from !== undefined && to < from;
  };
  const hosts = plan.selfHosts.length > 0;
  const zero = (): bigint => 0n;
  const plus = (a: (row: FlagRow) => bigint, b: (row: FlagRow) => bigint) => (row: FlagRow): bigint => a(row) + b(row);
  const always: Condition = () => true;
  return {
    calls: count(made),
    priced_calls: count(priced),
    unpriced_calls: count(all(made, is('unpriced'))),
    failed_calls: count(all(made, is('failed'))),
    input_tokens: total('input_tokens'),
    cache_read_tokens: total('cache_read_tokens'),
    cache_write_5m_tokens: total('cache_write_5m_tokens'),
    cache_write_1h_tokens: total('cache_write_1h_tokens'),
    output_tokens: total('output_tokens'),
    reasoning_tokens: total('reasoning_tokens'),
    input_audio_tokens: total('input_audio_tokens'),
    output_audio_tokens: total('output_audio_tokens'),
    unpriced_input_tokens: total('input_tokens', all(made, is('unpriced'))),
    unpriced_output_tokens: total('output_tokens', all(made, is('unpriced'))),
    cost: total('cost', priced),
    stored_cost: total('stored_cost', always),
    stored_calls: count(always),
    budget_calls: count(all(made, tier('budget'))),
    mid_calls: count(all(made, tier('mid'))),
    frontier_calls: count(all(made, tier('frontier'))),
    unpriced_tier_calls: count(all(made, tier('unpriced'))),
    budget_cost: total('cost', all(priced, tier('budget'))),
    mid_cost: total('cost', all(priced, tier('mid'))),
    frontier_cost: total('cost', all(priced, tier('frontier'))),
    response_cache_hits: count(all(made, is('cache_hit'))),
    response_cache_lookups: count(all(made, is('cache_lookup'))),
    calls_touched: count(is('touched')),
    routed: count(all(made, is('routed'))),
    escalated: count(all(made, is('escalated'))),
    // Without routes the flag rows are not grouped by the original model.
    weaker: plan.routes.length > 0 ? count(all(made, is('routed'), toCheaper)) : zero,
    fine_tuned: count(all(made, is('fine_tuned'))),
    fine_tuned_stored_cost: total('stored_cost', all(made, is('fine_tuned'))),
    fine_tuned_cost: total('cost', all(priced, is('fine_tuned'))),
    prompt_cache_hits: count(all(made, is('prompt_hit'))),
    prompt_cache_misses: count(all(made, is('prompt_miss'))),
    response_lookups: count(all(made, is('response_lookup'))),
    response_hits: count(all(made, is('response_hit'))),
    truncated: count(all(made, is('truncated'))),
    output_cut: plan.outputCaps.length > 0 ? total('output_cut', always) : zero,
    input_cut: plan.trims.length > 0 ? total('input_cut', always) : zero,
    trimmed: count(all(made, is('trimmed'))),
    batched: count(all(made, is('batched'))),
    repriced: count(all(made, is('repriced'))),
    dropped: count(is('dropped')),
    self_hosted: count(is('self_hosted')),
    self_hosted_tokens: hosts ? plus(total('input_tokens', is('self_hosted')), total('output_tokens', is('self_hosted'))) : zero,
    self_hosted_stored_cost: total('stored_cost', is('self_hosted')),
    self_hosted_api_cost: hosts ? total('cost0', is('self_hosted')) : zero,
  };
}

/** The identity of a group row, to find the same group in another pass. */
export const groupKey = (row: Pick<SimulationGroupRow, 'grouping' | 'feature' | 'userTier' | 'userId' | 'routeIndex' | 'modelKey'>): string =>
  JSON.stringify([row.grouping, row.feature, row.userTier, row.userId, row.routeIndex, row.modelKey]);

// Every sum at 0, copied rather than built for each row: a replay per user has ~50,000 rows of ~50 sums. Private and
// not frozen: V8 copies a frozen object's properties one by one (50,000 copies: 130 ms against 48 ms).
const zeroSums = Object.fromEntries(simulationSums.map((name) => [name, 0n])) as Record<SimulationSum, bigint>;
export const emptySums = (): Record<SimulationSum, bigint> => ({ ...zeroSums });

/** Rolls the flag rows up per feature, user tier, (feature, model), route rule and in total. */
export function rollUp(rows: readonly FlagRow[], sums: Partial<Record<SimulationSum, (row: FlagRow) => bigint>>, byRoute: boolean): SimulationGroupRow[] {
  const groups = new Map<string, SimulationGroupRow>();
  const add = (group: Omit<SimulationGroupRow, 'sums'>, row: FlagRow | null): void => {
    const key = groupKey(group);
    let target = groups.get(key);
    if (!target) groups.set(key, (target = { ...group, sums: emptySums() }));
    if (row === null) return;
    for (const [name, value] of Object.entries(sums) as Array<[SimulationSum, (row: FlagRow) => bigint]>) target.sums[name] += value(row);
  };
  const none = { feature: null, userTier: null, userId: null, routeIndex: null, modelKey: null };
  // The total is there even when no call is.
  add({ grouping: 'total', ...none }, null);
  for (const row of rows) {
    add({ grouping: 'total', ...none }, row);
    add({ grouping: 'feature', ...none, feature: row.feature }, row);
    add({ grouping: 'user_tier', ...none, userTier: row.userTier }, row);
    add({ grouping: 'model', ...none, feature: row.feature, modelKey: row.modelKey }, row);
    // The calls no rule matched are no route's.
    if (byRoute && row.routeIndex !== null) add({ grouping: 'route', ...none, routeIndex: row.routeIndex }, row);
  }
  return [...groups.values()];
}


import type { CauseContribution } from './fired-alert.js';

/** One model's calls, tokens and cost in one window of a series: what the decomposition is computed from. */
export interface ModelSpend {
  model: string;
  /** May be fractional: a baseline is the mean of several windows. */
  calls: number;
  tokens: {
    /** Prompt tokens billed at the input rate (not read from the cache). */
    input: number;
    cacheRead: number;
    /** Prompt tokens written to the cache (5-minute and 1-hour). */
    cacheWrite: number;
    /** Output tokens, reasoning included. */
    output: number;
  };
  cost: {
    input: bigint;
    cacheRead: bigint;
    cacheWrite: bigint;
    output: bigint;
    /** Everything else (audio, per-request fees): total minus the classes above. */
    other: bigint;
  };
}

/** The drivers in the order they are reported. */
export const spendDrivers = ['calls', 'input_tokens_per_call', 'output_tokens_per_call', 'model_mix', 'cache_hit_rate', 'price', 'other'] as const;

/** One driver of a spend change. */
export type SpendDriver = (typeof spendDrivers)[number];

/** A spend change split among its drivers: the contributions sum exactly to current − baseline. */
export interface SpendDecomposition {
  baselinePicodollars: bigint;
  currentPicodollars: bigint;
  /** Every driver, in spendDrivers' order; the rounding residue sits on `top`. */
  contributions: CauseContribution[];
  /** The driver explaining most of the change, in its direction. */
  top: CauseContribution;
}

/** The total cost of a window's rows, exactly. */
export function spendOf(rows: readonly ModelSpend[]): bigint {
  return rows.reduce((sum, row) => sum + row.cost.input + row.cost.cacheRead + row.cost.cacheWrite + row.cost.output + row.cost.other, 0n);
}

// A model's figures per call, the factors its spend is the product of.
interface ModelFactors {
  share: number;
  promptPerCall: number;
  hitRate: number;
  outputPerCall: number;
  freshPrice: number;
  cachedPrice: number;
  outputPrice: number;
  otherPerCall: number;
}

type Factors = { calls: number; models: Map<string, ModelFactors> };

/**
 * Decomposes the spend change of one series between a baseline and a current window into traffic, prompt
 * size, output size, model mix, cache hit rate, prices and other charges, exactly to the picodollar.
 *
 * Each window's spend is written as a product per model m:
 *   spend = calls × Σ_m share_m × [prompt_m × ((1 − hit_m) × freshPrice_m + hit_m × cachedPrice_m) + output_m × outputPrice_m + other_m]
 * where prompt and output are tokens per call, hit the share of prompt tokens read from the cache and the
 * prices the effective picodollars per token of each class (cost ÷ tokens, so tiers and discounts are in).
 *
 * The change is split among the seven factor groups by their Shapley values: each group's contribution is
 * its marginal effect averaged over every order of switching groups from baseline to current. Chosen over
 * a sequential (chain-linked) split, whose answer depends on the arbitrary order of the factors, and over
 * the log-mean Divisia index, which needs logarithms of every factor and so breaks exactly where alerts
 * matter most: a model routed to that had no calls before, a cache that had no hits. Shapley handles zeros,
 * is symmetric, and its parts add up to the change by construction; with 7 groups it is 128 evaluations.
 *
 * The values are computed in floating point and rounded to picodollars; the rounding residue (a few
 * picodollars at most) goes to the top contributor so that the parts sum exactly to current − baseline.
 * A model missing from one window takes its per-call figures from the other, so its appearance or
 * disappearance is all model mix (or, when the series had no calls at all, traffic).
 */
export function decomposeSpendChange(baseline: readonly ModelSpend[], current: readonly ModelSpend[]): SpendDecomposition {
  const baselinePicodollars = spendOf(baseline);
  const currentPicodollars = spendOf(current);
  const before = factorsOf(baseline, current);
  const after = factorsOf(current, baseline);
  const models = [...new Set([...before.models.keys(), ...after.models.keys()])].sort();

  const players = spendDrivers.length;
  const value = new Float64Array(1 << players);
  for (let mask = 0; mask < 1 << players; mask += 1) value[mask] = spendAt(mask, before, after, models);
  const factorial = [1];
  for (let index = 1; index <= players; index += 1) factorial.push(factorial[index - 1]! * index);
  const shapley = spendDrivers.map((_, player) => {
    let sum = 0;
    for (let mask = 0; mask < 1 << players; mask += 1) {
      if (mask & (1 << player)) continue;
      const size = popcount(mask);
      sum += ((factorial[size]! * factorial[players - size - 1]!) / factorial[players]!) * (value[mask | (1 << player)]! - value[mask]!);
    }
    return sum;
  });

  const change = currentPicodollars - baselinePicodollars;
  const rounded = shapley.map((part) => BigInt(Math.round(part)));
  // The driver that explains most of the change in its direction (for no change, the largest either way).
  let topIndex = 0;
  for (let index = 1; index < players; index += 1) {
    const better = change >= 0n ? shapley[index]! > shapley[topIndex]! : shapley[index]! < shapley[topIndex]!;
    if (better) topIndex = index;
  }
  rounded[topIndex] = rounded[topIndex]! + (change - rounded.reduce((sum, part) => sum + part, 0n));

  const contributions = spendDrivers.map((driver, index): CauseContribution => ({ driver, deltaPicodollars: rounded[index]!, ...driverValues(driver, baseline, current) }));
  return { baselinePicodollars, currentPicodollars, contributions, top: contributions[topIndex]! };
}

// Spend with the groups in `mask` at their current values and the others at baseline.
function spendAt(mask: number, before: Factors, after: Factors, models: readonly string[]): number {
  const pick = (player: number) => ((mask & (1 << player)) !== 0 ? after : before);
  const [calls, input, output, mix, hit, price, other] = spendDrivers.map((_, player) => pick(player));
  let perCall = 0;
  for (const model of models) {
    const share = mix!.models.get(model)?.share ?? 0;
    if (share === 0) continue;
    const prompt = input!.models.get(model)!.promptPerCall;
    const hitRate = hit!.models.get(model)!.hitRate;
    const prices = price!.models.get(model)!;
    perCall += share * (prompt * ((1 - hitRate) * prices.freshPrice + hitRate * prices.cachedPrice) + output!.models.get(model)!.outputPerCall * prices.outputPrice + other!.models.get(model)!.otherPerCall);
  }
  return calls!.calls * perCall;
}

// The factors of one window; what a window cannot say (a model it lacks, a class without tokens) comes from the other.
function factorsOf(rows: readonly ModelSpend[], other: readonly ModelSpend[]): Factors {
  const totalCalls = rows.reduce((sum, row) => sum + row.calls, 0);
  const own = merged(rows);
  const fallback = merged(other);
  const models = new Map<string, ModelFactors>();
  for (const model of new Set([...own.keys(), ...fallback.keys()])) {
    const mine = own.get(model);
    const theirs = fallback.get(model);
    const usable = (row: ModelSpend | undefined) => (row !== undefined && row.calls > 0 ? row : undefined);
    const primary = usable(mine) ?? usable(theirs);
    const secondary = usable(mine) ? usable(theirs) : undefined;
    // With no calls anywhere the model contributes nothing: any factors will do.
    if (primary === undefined) continue;
    models.set(model, {
      share: mine !== undefined && totalCalls > 0 ? mine.calls / totalCalls : 0,
      ...perCallFactors(primary, secondary),
    });
  }
  // A series with no calls in a window has no mix: take the other window's, so that all the change is traffic.
  if (totalCalls === 0) {
    const otherCalls = other.reduce((sum, row) => sum + row.calls, 0);
    for (const [model, factors] of models) factors.share = otherCalls > 0 ? (fallback.get(model)?.calls ?? 0) / otherCalls : 0;
  }
  return { calls: totalCalls, models };
}

function perCallFactors(row: ModelSpend, fallback: ModelSpend | undefined): Omit<ModelFactors, 'share'> {
  const prompt = row.tokens.input + row.tokens.cacheRead + row.tokens.cacheWrite;
  const fallbackPrompt = fallback ? fallback.tokens.input + fallback.tokens.cacheRead + fallback.tokens.cacheWrite : 0;
  const price = (cost: bigint, tokens: number, fallbackCost: bigint | undefined, fallbackTokens: number): number =>
    tokens > 0 ? Number(cost) / tokens : fallbackCost !== undefined && fallbackTokens > 0 ? Number(fallbackCost) / fallbackTokens : 0;
  return {
    promptPerCall: prompt / row.calls,
    hitRate: prompt > 0 ? row.tokens.cacheRead / prompt : fallback && fallbackPrompt > 0 ? fallback.tokens.cacheRead / fallbackPrompt : 0,
    outputPerCall: row.tokens.output / row.calls,
    freshPrice: price(row.cost.input + row.cost.cacheWrite, row.tokens.input + row.tokens.cacheWrite, fallback && fallback.cost.input + fallback.cost.cacheWrite, fallback ? fallback.tokens.input + fallback.tokens.cacheWrite : 0),
    cachedPrice: price(row.cost.cacheRead, row.tokens.cacheRead, fallback?.cost.cacheRead, fallback?.tokens.cacheRead ?? 0),
    outputPrice: price(row.cost.output, row.tokens.output, fallback?.cost.output, fallback?.tokens.output ?? 0),
    otherPerCall: Number(row.cost.other) / row.calls,
  };
}

// One row per model (a window's rows may repeat a model, e.g. once per provider).
function merged(rows: readonly ModelSpend[]): Map<string, ModelSpend> {
  const byModel = new Map<string, ModelSpend>();
  for (const row of rows) {
    const seen = byModel.get(row.model);
    if (!seen) {
      byModel.set(row.model, { model: row.model, calls: row.calls, tokens: { ...row.tokens }, cost: { ...row.cost } });
      continue;
    }
    seen.calls += row.calls;
    seen.tokens = { input: seen.tokens.input + row.tokens.input, cacheRead: seen.tokens.cacheRead + row.tokens.cacheRead, cacheWrite: seen.tokens.cacheWrite + row.tokens.cacheWrite, output: seen.tokens.output + row.tokens.output };
    seen.cost = { input: seen.cost.input + row.cost.input, cacheRead: seen.cost.cacheRead + row.cost.cacheRead, cacheWrite: seen.cost.cacheWrite + row.cost.cacheWrite, output: seen.cost.output + row.cost.output, other: seen.cost.other + row.cost.other };
  }
  return byModel;
}

// The driver's value before and after, for the sentence: the series' own figures, not per model.
function driverValues(driver: SpendDriver, baseline: readonly ModelSpend[], current: readonly ModelSpend[]): Pick<CauseContribution, 'before' | 'after' | 'detail'> {
  const totals = (rows: readonly ModelSpend[]) => {
    const calls = rows.reduce((sum, row) => sum + row.calls, 0);
    const prompt = rows.reduce((sum, row) => sum + row.tokens.input + row.tokens.cacheRead + row.tokens.cacheWrite, 0);
    return {
      calls,
      prompt,
      promptPerCall: calls > 0 ? prompt / calls : 0,
      outputPerCall: calls > 0 ? rows.reduce((sum, row) => sum + row.tokens.output, 0) / calls : 0,
      hitRate: prompt > 0 ? rows.reduce((sum, row) => sum + row.tokens.cacheRead, 0) / prompt : 0,
      otherPerCall: calls > 0 ? Number(rows.reduce((sum, row) => sum + row.cost.other, 0n)) / calls : 0,
    };
  };
  const before = totals(baseline);
  const after = totals(current);
  switch (driver) {
    case 'calls':
      return { before: before.calls, after: after.calls };
    case 'input_tokens_per_call':
      return { before: before.promptPerCall, after: after.promptPerCall };
    case 'output_tokens_per_call':
      return { before: before.outputPerCall, after: after.outputPerCall };
    case 'cache_hit_rate':
      return { before: before.hitRate, after: after.hitRate };
    case 'other':
      return { before: before.otherPerCall, after: after.otherPerCall };
    case 'model_mix': {
      // The model whose share of calls rose most: where traffic was routed to.
      const share = (rows: readonly ModelSpend[], total: number) => new Map([...merged(rows)].map(([model, row]) => [model, total > 0 ? row.calls / total : 0]));
      const was = share(baseline, before.calls);
      const is = share(current, after.calls);
      let best: { model: string; rise: number } | null = null;
      for (const [model, now] of is) {
        const rise = now - (was.get(model) ?? 0);
        if (best === null || rise > best.rise) best = { model, rise };
      }
      return best === null ? {} : { before: was.get(best.model) ?? 0, after: is.get(best.model) ?? 0, detail: best.model };
    }
    case 'price': {
      // A price index at the current window's volumes: what its tokens cost now over what they cost at baseline prices.
      const baselineModels = merged(baseline);
      let atCurrent = 0;
      let atBaseline = 0;
      for (const row of merged(current).values()) {
        const old = baselineModels.get(row.model);
        if (!old || old.calls === 0) continue;
        const factors = perCallFactors(row, old);
        const oldFactors = perCallFactors(old, row);
        const fresh = row.tokens.input + row.tokens.cacheWrite;
        atCurrent += fresh * factors.freshPrice + row.tokens.cacheRead * factors.cachedPrice + row.tokens.output * factors.outputPrice;
        atBaseline += fresh * oldFactors.freshPrice + row.tokens.cacheRead * oldFactors.cachedPrice + row.tokens.output * oldFactors.outputPrice;
      }
      return atBaseline > 0 ? { before: 1, after: atCurrent / atBaseline } : {};
    }
  }
}

function popcount(mask: number): number {
  let bits = 0;
  for (let rest = mask; rest !== 0; rest &= rest - 1) bits += 1;
  return bits;
}

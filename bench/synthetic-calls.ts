import { SeededRandom } from '../src/core/demo/seeded-random.js';

/** A model in the synthetic traffic, with the usage its provider can report. */
export interface SyntheticModel {
  provider: string;
  /** The name a caller would send; the catalog may resolve it to a longer id (grok-4 → grok-4-0709). */
  model: string;
  /** Relative share of the calls. */
  weight: number;
  /** Which cache classes the provider reports: reads only (OpenAI, Google…), or reads and 5-minute and 1-hour writes (Anthropic). */
  caching: 'none' | 'read' | 'read-and-write';
  reasoning: boolean;
  /** Accepts prompts above 200k tokens, where Anthropic and Google switch the whole call to long-context prices. */
  longContext: boolean;
}

/**
 * Real models of the bundled catalog, chosen to cover every pricing feature: long-context tiers
 * (claude-sonnet-4-5, gemini-2.5-pro, gemini-3-pro-preview), 1-hour cache writes (Anthropic), a price change
 * by date (o3 on 2025-06-10, mistral-medium-latest on 2026-06-16), daily off-peak windows (deepseek-chat) and
 * both at once (deepseek-v4-pro), reasoning priced apart (sonar-deep-research), a per-request fee (sonar-pro)
 * and a name that resolves to a dated id (grok-4). Weights roughly follow how much such models are used.
 */
export const syntheticModelMix: readonly SyntheticModel[] = [
  { provider: 'anthropic', model: 'claude-opus-4-7', weight: 5, caching: 'read-and-write', reasoning: true, longContext: false },
  { provider: 'anthropic', model: 'claude-sonnet-4-5', weight: 12, caching: 'read-and-write', reasoning: true, longContext: true },
  { provider: 'anthropic', model: 'claude-haiku-4-5', weight: 8, caching: 'read-and-write', reasoning: false, longContext: false },
  { provider: 'openai', model: 'gpt-5', weight: 8, caching: 'read', reasoning: true, longContext: false },
  { provider: 'openai', model: 'gpt-5-mini', weight: 8, caching: 'read', reasoning: true, longContext: false },
  { provider: 'openai', model: 'gpt-4o-mini', weight: 12, caching: 'read', reasoning: false, longContext: false },
  { provider: 'openai', model: 'o3', weight: 3, caching: 'read', reasoning: true, longContext: false },
  { provider: 'google', model: 'gemini-2.5-pro', weight: 6, caching: 'read', reasoning: true, longContext: true },
  { provider: 'google', model: 'gemini-2.5-flash', weight: 10, caching: 'read', reasoning: true, longContext: true },
  { provider: 'google', model: 'gemini-3-pro-preview', weight: 4, caching: 'read', reasoning: true, longContext: true },
  { provider: 'deepseek', model: 'deepseek-v4-pro', weight: 4, caching: 'read', reasoning: true, longContext: false },
  { provider: 'deepseek', model: 'deepseek-chat', weight: 4, caching: 'read', reasoning: false, longContext: false },
  { provider: 'mistral', model: 'mistral-medium-latest', weight: 3, caching: 'read', reasoning: false, longContext: false },
  { provider: 'mistral', model: 'mistral-small-latest', weight: 3, caching: 'none', reasoning: false, longContext: false },
  { provider: 'x-ai', model: 'grok-4', weight: 3, caching: 'read', reasoning: true, longContext: false },
  { provider: 'x-ai', model: 'grok-4-fast', weight: 3, caching: 'read', reasoning: true, longContext: false },
  { provider: 'perplexity', model: 'sonar-deep-research', weight: 1, caching: 'none', reasoning: true, longContext: false },
  { provider: 'perplexity', model: 'sonar-pro', weight: 2, caching: 'none', reasoning: false, longContext: false },
];

/**
 * Calls stored by column in typed arrays: generating them is kept out of the timed loop, and a column of
 * numbers is what a pricing pass over stored events reads anyway.
 */
export interface SyntheticCalls {
  count: number;
  models: readonly SyntheticModel[];
  /** Index into `models`. */
  modelIndex: Uint8Array;
  /** Milliseconds since the epoch. */
  timestampMs: Float64Array;
  /** Every prompt token, cached or not. */
  inputTotal: Uint32Array;
  cacheRead: Uint32Array;
  cacheWrite5m: Uint32Array;
  cacheWrite1h: Uint32Array;
  /** Every generated token, reasoning included. */
  outputTotal: Uint32Array;
  reasoning: Uint32Array;
}

/** The span the timestamps cover: all of 2025 and 2026, so calls fall on both sides of the catalog's dated changes. */
export const syntheticTimeSpan = { fromMs: Date.UTC(2025, 0, 1), toMs: Date.UTC(2027, 0, 1) };

/** Long-context prices start above this many input tokens for every tiered model of the mix. */
const longContextThreshold = 200_000;

/**
 * Generates `count` calls deterministically from `seed`. Timestamps advance through the span with a little
 * jitter, the way a log is mostly but not strictly in time order.
 */
export function generateSyntheticCalls(count: number, seed: number, models: readonly SyntheticModel[] = syntheticModelMix): SyntheticCalls {
  const random = new SeededRandom(seed);
  const calls = emptyCalls(count, models);
  const cumulativeWeights = new Float64Array(models.length);
  let runningWeight = 0;
  models.forEach((model, index) => {
    runningWeight += model.weight;
    cumulativeWeights[index] = runningWeight;
  });
  const step = (syntheticTimeSpan.toMs - syntheticTimeSpan.fromMs) / Math.max(count, 1);
  // A minute either way: enough to put neighbouring calls out of order, never outside the span.
  const jitterMs = Math.min(60_000, step * 0.5);
  for (let index = 0; index < count; index += 1) {
    const modelIndex = random.weightedIndex(cumulativeWeights);
    const model = models[modelIndex]!;
    const centre = syntheticTimeSpan.fromMs + (index + 0.5) * step;
    calls.modelIndex[index] = modelIndex;
    calls.timestampMs[index] = Math.floor(centre + (random.next() * 2 - 1) * jitterMs);

    const inputTotal = syntheticInputTotal(random, model);
    let uncached = inputTotal;
    if (model.caching !== 'none' && random.chance(0.45)) {
      const cacheRead = Math.floor(uncached * (0.1 + random.next() * 0.85));
      calls.cacheRead[index] = cacheRead;
      uncached -= cacheRead;
    }
    if (model.caching === 'read-and-write') {
      if (random.chance(0.15)) {
        const write = Math.floor(uncached * (0.2 + random.next() * 0.8));
        calls.cacheWrite5m[index] = write;
        uncached -= write;
      }
      if (random.chance(0.08)) calls.cacheWrite1h[index] = Math.floor(uncached * (0.2 + random.next() * 0.8));
    }
    calls.inputTotal[index] = inputTotal;

    const outputTotal = random.logUniformInteger(1, model.reasoning ? 32_000 : 8_000);
    calls.outputTotal[index] = outputTotal;
    if (model.reasoning && random.chance(0.7)) calls.reasoning[index] = Math.floor(outputTotal * (0.3 + random.next() * 0.6));
  }
  return calls;
}

/** How many of the calls exercise each pricing feature, to show the mix covers what it claims. */
export interface CallMix {
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
  reasoning: number;
  /** Above the 200k-token long-context threshold. */
  longContext: number;
  /** Within a token of the threshold, on either side. */
  atThreshold: number;
}

/** Counts the calls that use each pricing feature. */
export function describeCallMix(calls: SyntheticCalls): CallMix {
  const mix: CallMix = { cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, reasoning: 0, longContext: 0, atThreshold: 0 };
  for (let index = 0; index < calls.count; index += 1) {
    const inputTotal = calls.inputTotal[index]!;
    if (calls.cacheRead[index]! > 0) mix.cacheRead += 1;
    if (calls.cacheWrite5m[index]! > 0) mix.cacheWrite5m += 1;
    if (calls.cacheWrite1h[index]! > 0) mix.cacheWrite1h += 1;
    if (calls.reasoning[index]! > 0) mix.reasoning += 1;
    if (inputTotal > longContextThreshold) mix.longContext += 1;
    if (Math.abs(inputTotal - longContextThreshold) <= 1) mix.atThreshold += 1;
  }
  return mix;
}

/** One hand-written call, for tests of particular cases. */
export interface CallRow {
  provider: string;
  model: string;
  at: string;
  inputTotal: number;
  cacheRead?: number;
  cacheWrite5m?: number;
  cacheWrite1h?: number;
  outputTotal: number;
  reasoning?: number;
}

/** Lays hand-written calls out in the same columns as generated ones. */
export function callsFromRows(rows: readonly CallRow[]): SyntheticCalls {
  const models: SyntheticModel[] = [];
  const calls = emptyCalls(rows.length, models);
  rows.forEach((row, index) => {
    let modelIndex = models.findIndex((model) => model.provider === row.provider && model.model === row.model);
    if (modelIndex < 0) {
      modelIndex = models.length;
      models.push({ provider: row.provider, model: row.model, weight: 1, caching: 'read-and-write', reasoning: true, longContext: true });
    }
    calls.modelIndex[index] = modelIndex;
    calls.timestampMs[index] = Date.parse(row.at);
    calls.inputTotal[index] = row.inputTotal;
    calls.cacheRead[index] = row.cacheRead ?? 0;
    calls.cacheWrite5m[index] = row.cacheWrite5m ?? 0;
    calls.cacheWrite1h[index] = row.cacheWrite1h ?? 0;
    calls.outputTotal[index] = row.outputTotal;
    calls.reasoning[index] = row.reasoning ?? 0;
  });
  return calls;
}

function emptyCalls(count: number, models: readonly SyntheticModel[]): SyntheticCalls {
  return {
    count,
    models,
    modelIndex: new Uint8Array(count),
    timestampMs: new Float64Array(count),
    inputTotal: new Uint32Array(count),
    cacheRead: new Uint32Array(count),
    cacheWrite5m: new Uint32Array(count),
    cacheWrite1h: new Uint32Array(count),
    outputTotal: new Uint32Array(count),
    reasoning: new Uint32Array(count),
  };
}

function syntheticInputTotal(random: SeededRandom, model: SyntheticModel): number {
  if (model.longContext) {
    // The calls right at the threshold check that "above 200k" means strictly above in both engines.
    if (random.chance(0.002)) return longContextThreshold - 1 + random.integer(0, 2);
    if (random.chance(0.03)) return random.integer(longContextThreshold + 1, 1_000_000);
  }
  return random.logUniformInteger(20, 120_000);
}

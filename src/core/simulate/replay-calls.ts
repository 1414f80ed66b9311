import type { Rates } from '../catalog/rate-card.js';
import { covers, drawSalt, drawScale, findRateRow, type ReplayPlan, type SimulationRateRow } from './replay-plan.js';

/**
 * The reference replay: the per-call levers of docs/simulate.md, in plain TypeScript, one call at a time.
 * The store's SQL replay must agree with it to the picodollar (simulate-replay.int.test.ts); it is kept
 * small and obvious on purpose, and is not the fast path.
 */

/** A recorded call, as the replay reads it. */
export interface ReplayCall {
  id: string;
  tsMs: number;
  feature: string | null;
  userTier: string | null;
  step: number | null;
  /** session_id, else task_id; null when the call belongs to neither. */
  sessionKey: string | null;
  modelKey: number;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  inputAudioTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  outputAudioTokens: number;
  /** Server-side web searches, priced per search; absent is none. */
  webSearchRequests?: number;
  /** The recorded cost; null when the call was unpriced. */
  costPicodollars: bigint | null;
}

/** A call after the scenario. */
export interface ReplayedCall {
  id: string;
  modelKey: number;
  /** Not made: cut by a step cap or a session budget. */
  dropped: boolean;
  inputTokens: number;
  cacheReadTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  /** The scenario cost (model, escalation and cache look-up); null when unpriced. */
  costPicodollars: bigint | null;
  touched: boolean;
  routed: boolean;
  escalated: boolean;
  fineTuned: boolean;
  promptCacheHit: boolean;
  promptCacheMiss: boolean;
  responseCacheLookup: boolean;
  responseCacheHit: boolean;
  truncated: boolean;
  outputTokensCut: number;
  inputTokensCut: number;
  batched: boolean;
  selfHosted: boolean;
}

/** A call's draw for a salt, in [0, drawScale): the SQL replay uses the top 32 bits of MD5(id ‖ '#' ‖ salt) mod drawScale. */
export type DrawFunction = (id: string, salt: string) => number;

/** Cost of token classes at a model's rates, as computeCost and the repricer count them. */
export function costAtRates(
  rates: Rates,
  tokens: { input: number; cacheRead: number; cacheWrite5m: number; cacheWrite1h: number; inputAudio: number; output: number; reasoning: number; outputAudio: number; webSearch?: number },
): bigint {
  const big = BigInt;
  return (
    big(tokens.input - tokens.cacheRead - tokens.cacheWrite5m - tokens.cacheWrite1h - tokens.inputAudio) * big(rates.input) +
    big(tokens.cacheRead) * big(rates.cacheRead) +
    big(tokens.cacheWrite5m) * big(rates.cacheWrite5m) +
    big(tokens.cacheWrite1h) * big(rates.cacheWrite1h) +
    big(tokens.output - tokens.reasoning - tokens.outputAudio) * big(rates.output) +
    big(tokens.reasoning) * big(rates.reasoning) +
    big(tokens.inputAudio) * big(rates.inputAudio) +
    big(tokens.outputAudio) * big(rates.outputAudio) +
    // A search is billed by the model that ran it: moved to another model, it is priced at that one's rate.
    big(tokens.webSearch ?? 0) * big(rates.webSearch ?? 0) +
    big(rates.request)
  );
}

/** Replays calls under a plan; the result is in the order of the input. */
export function replayCalls(calls: readonly ReplayCall[], plan: ReplayPlan, rateRows: readonly SimulationRateRow[], draw: DrawFunction): ReplayedCall[] {
  const previousGap = featureGaps(calls);
  const replayed = calls.map((call) => replayOne(call, plan, rateRows, draw, previousGap.get(call) ?? null));
  applySessionLimits(calls, replayed, plan);
  for (const [index, call] of calls.entries()) {
    const result = replayed[index]!;
    if (!result.dropped && plan.selfHosts.some((host) => covers(host.features, call.feature))) {
      result.selfHosted = true;
      result.touched = true;
      // Hosted: the model costs GPU-hours (added per feature), not an API price; a cache look-up still costs.
      result.costPicodollars = lookupCost(plan, call, result);
    }
  }
  return replayed;
}

function lookupCost(plan: ReplayPlan, call: ReplayCall, result: ReplayedCall): bigint {
  if (!result.responseCacheLookup) return 0n;
  return plan.responseCaches.find((cache) => covers(cache.features, call.feature))!.lookupPicodollars;
}

// The time since the previous call of the same feature (ties ordered by id), for a response cache's TTL.
function featureGaps(calls: readonly ReplayCall[]): Map<ReplayCall, number | null> {
  const gaps = new Map<ReplayCall, number | null>();
  const byFeature = new Map<string | null, ReplayCall[]>();
  for (const call of calls) {
    const list = byFeature.get(call.feature) ?? [];
    list.push(call);
    byFeature.set(call.feature, list);
  }
  for (const list of byFeature.values()) {
    list.sort(byTimeThenId);
    list.forEach((call, index) => gaps.set(call, index === 0 ? null : call.tsMs - list[index - 1]!.tsMs));
  }
  return gaps;
}

function byTimeThenId(a: ReplayCall, b: ReplayCall): number {
  return a.tsMs - b.tsMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function replayOne(call: ReplayCall, plan: ReplayPlan, rateRows: readonly SimulationRateRow[], draw: DrawFunction, gapMs: number | null): ReplayedCall {
  let modelKey = call.modelKey;
  let uncached = call.inputTokens - call.cacheReadTokens - call.cacheWrite5mTokens - call.cacheWrite1hTokens - call.inputAudioTokens;
  let cacheRead = call.cacheReadTokens;
  let cacheWrite5m = call.cacheWrite5mTokens;
  let cacheWrite1h = call.cacheWrite1hTokens;
  let inputAudio = call.inputAudioTokens;
  let output = call.outputTokens;
  let reasoning = call.reasoningTokens;
  let outputAudio = call.outputAudioTokens;
  const result: ReplayedCall = {
    id: call.id, modelKey, dropped: false, inputTokens: 0, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0,
    costPicodollars: call.costPicodollars, touched: false, routed: false, escalated: false, fineTuned: false, promptCacheHit: false, promptCacheMiss: false,
    responseCacheLookup: false, responseCacheHit: false, truncated: false, outputTokensCut: 0, inputTokensCut: 0, batched: false, selfHosted: false,
  };

  // 1. Route.
  const route = plan.routes.find((candidate) => covers(candidate.features, call.feature) && routeMatches(candidate, call));
  if (route && draw(call.id, drawSalt(route.drawKey, 'select')) < route.selectBelow) {
    result.routed = true;
    modelKey = route.toKey;
    result.escalated = draw(call.id, drawSalt(route.drawKey, 'escalate')) < route.escalateBelow;
  }
  // 2. Fine-tune takes a share of the calls not routed.
  const fineTune = result.routed ? undefined : plan.fineTunes.find((candidate) => covers(candidate.features, call.feature));
  if (fineTune && draw(call.id, drawSalt(fineTune.drawKey, 'select')) < fineTune.selectBelow) {
    result.fineTuned = true;
    modelKey = fineTune.toKey;
  }
  // 3. Provider prompt cache: the prefix of the uncached input is read (hit) or written (miss).
  const promptCache = plan.promptCaches.find((candidate) => covers(candidate.features, call.feature));
  if (promptCache) {
    const cacheable = Math.min(promptCache.prefixTokens, uncached);
    if (cacheable > 0) {
      uncached -= cacheable;
      if (draw(call.id, drawSalt(promptCache.drawKey, 'select')) < promptCache.hitBelow) {
        cacheRead += cacheable;
        result.promptCacheHit = true;
      } else {
        if (promptCache.oneHour) cacheWrite1h += cacheable;
        else cacheWrite5m += cacheable;
        result.promptCacheMiss = true;
      }
    }
  }
  // 4. Semantic response cache: a hit makes no model call.
  const responseCache = plan.responseCaches.find((candidate) => covers(candidate.features, call.feature));
  if (responseCache) {
    result.responseCacheLookup = true;
    const fresh = responseCache.ttlMs === null || (gapMs !== null && gapMs <= responseCache.ttlMs);
    if (fresh && draw(call.id, drawSalt(responseCache.drawKey, 'select')) < responseCache.hitBelow) {
      result.responseCacheHit = true;
      uncached = cacheRead = cacheWrite5m = cacheWrite1h = inputAudio = output = reasoning = outputAudio = 0;
    }
  }
  // 5. Output cap: text and reasoning above max_tokens are cut, reasoning kept first.
  const cap = plan.outputCaps.find((candidate) => covers(candidate.features, call.feature));
  if (cap && output - outputAudio > cap.maxTokens) {
    result.truncated = true;
    result.outputTokensCut = output - outputAudio - cap.maxTokens;
    reasoning = Math.min(reasoning, cap.maxTokens);
    output = cap.maxTokens + outputAudio;
  }
  // 6. Prompt trimming of the uncached input, optionally only after step k.
  const trim = plan.trims.find((candidate) => covers(candidate.features, call.feature) && (candidate.afterStep === null || (call.step !== null && call.step > candidate.afterStep)));
  if (trim) {
    const cut = Math.floor((uncached * trim.sharePpm) / drawScale);
    uncached -= cut;
    result.inputTokensCut = cut;
  }
  const input = uncached + cacheRead + cacheWrite5m + cacheWrite1h + inputAudio;
  Object.assign(result, { modelKey, inputTokens: input, cacheReadTokens: cacheRead, cacheWrite5mTokens: cacheWrite5m, cacheWrite1hTokens: cacheWrite1h, outputTokens: output, reasoningTokens: reasoning });

  // 7. Pricing: a changed call is repriced at the scenario's rate table; an untouched one keeps its recorded cost.
  const price = plan.priceChange;
  result.batched = price !== null && price.batch !== null && price.batch.discountPpm > 0 && covers(price.batch.features, call.feature);
  const repriced = price !== null && (price.allCalls || price.overriddenKeys.includes(modelKey));
  result.touched =
    result.routed || result.fineTuned || result.promptCacheHit || result.promptCacheMiss || result.responseCacheLookup || result.truncated || result.inputTokensCut > 0 || result.batched || repriced;
  if (!result.touched) return result;
  const tokens = { input, cacheRead, cacheWrite5m, cacheWrite1h, inputAudio, output, reasoning, outputAudio, webSearch: call.webSearchRequests ?? 0 };
  let cost: bigint | null;
  if (result.responseCacheHit) {
    cost = 0n;
  } else {
    const rates = findRateRow(rateRows, modelKey, call.tsMs, input)?.rates ?? null;
    cost = rates === null ? null : costAtRates(rates, tokens);
    if (cost !== null && result.escalated) {
      const original = findRateRow(rateRows, call.modelKey, call.tsMs, input)?.rates ?? null;
      cost = original === null ? null : cost + costAtRates(original, tokens);
    }
  }
  // floor(cost × discount): the SQL splits the product to stay in BIGINT; with bigints it is the same number.
  if (cost !== null && result.batched) cost -= (cost * BigInt(price!.batch!.discountPpm)) / BigInt(drawScale);
  if (cost !== null && responseCache) cost += responseCache.lookupPicodollars;
  result.costPicodollars = cost;
  return result;
}

function routeMatches(route: ReplayPlan['routes'][number], call: ReplayCall): boolean {
  if (route.tiers !== null && (call.userTier === null || !route.tiers.includes(call.userTier))) return false;
  if (route.inputAbove !== null && !(call.inputTokens > route.inputAbove)) return false;
  if (route.inputAtMost !== null && !(call.inputTokens <= route.inputAtMost)) return false;
  if (route.stepFrom !== null && (call.step === null || call.step < route.stepFrom)) return false;
  if (route.stepTo !== null && (call.step === null || call.step > route.stepTo)) return false;
  return true;
}

// 8. Session limits: in each (feature, session), calls in time order beyond max_steps, or starting once the
// scenario cost of the earlier calls reached the budget, are not made.
function applySessionLimits(calls: readonly ReplayCall[], replayed: ReplayedCall[], plan: ReplayPlan): void {
  if (plan.sessionLimits.length === 0) return;
  const sessions = new Map<string, number[]>();
  calls.forEach((call, index) => {
    if (call.sessionKey === null || !plan.sessionLimits.some((limit) => covers(limit.features, call.feature))) return;
    const key = `${call.feature ?? ''}\u0000${call.sessionKey}`;
    const list = sessions.get(key) ?? [];
    list.push(index);
    sessions.set(key, list);
  });
  for (const indexes of sessions.values()) {
    indexes.sort((a, b) => byTimeThenId(calls[a]!, calls[b]!));
    const limit = plan.sessionLimits.find((candidate) => covers(candidate.features, calls[indexes[0]!]!.feature))!;
    let spent = 0n;
    indexes.forEach((index, position) => {
      const result = replayed[index]!;
      const overSteps = limit.maxSteps !== null && position + 1 > limit.maxSteps;
      const overBudget = limit.maxSessionPicodollars !== null && spent >= limit.maxSessionPicodollars;
      spent += result.costPicodollars ?? 0n;
      if (overSteps || overBudget) dropCall(result);
    });
  }
}

function dropCall(result: ReplayedCall): void {
  Object.assign(result, {
    dropped: true, touched: true, inputTokens: 0, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, outputTokens: 0, reasoningTokens: 0, costPicodollars: 0n,
  });
}

/** The draw a salt gives, for tests that do not need the SQL's MD5: any stable function of (id, salt) into [0, drawScale). */
export function simpleDraw(id: string, salt: string): number {
  let hash = 2166136261;
  const text = `${id}#${salt}`;
  for (let index = 0; index < text.length; index += 1) hash = Math.imul(hash ^ text.charCodeAt(index), 16777619) >>> 0;
  return hash % drawScale;
}

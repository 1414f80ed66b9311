import { describe, expect, it } from 'vitest';
import type { Rates } from '../catalog/rate-card.js';
import { compileReplayPlan } from './compile-replay-plan.js';
import { drawScale, type SimulationRateRow } from './replay-plan.js';
import { replayCalls, type ReplayCall } from './replay-calls.js';
import { simulationScenarioSchema } from './scenario-schema.js';

// $1/M input, $0.10 cache read, $1.25 cache write, $2 1-hour write, $5 output: picodollars per token.
const strong: Rates = { input: 1_000_000, cacheRead: 100_000, cacheWrite5m: 1_250_000, cacheWrite1h: 2_000_000, output: 5_000_000, reasoning: 5_000_000, inputAudio: 0, outputAudio: 0, request: 0 };
const cheap: Rates = { ...strong, input: 100_000, cacheRead: 10_000, cacheWrite5m: 125_000, output: 400_000, reasoning: 400_000 };
const rates: SimulationRateRow[] = [
  { key: 0, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, daySecondFrom: 0, daySecondTo: 86_400, inputAbove: -1, inputAtMost: Number.MAX_SAFE_INTEGER, rates: strong },
  { key: 1, fromMs: 0, toMs: Number.MAX_SAFE_INTEGER, daySecondFrom: 0, daySecondTo: 86_400, inputAbove: -1, inputAtMost: Number.MAX_SAFE_INTEGER, rates: cheap },
];

function call(overrides: Partial<ReplayCall> = {}): ReplayCall {
  return {
    id: 'c1', tsMs: 1_000, feature: 'chat', userTier: 'pro', step: 1, sessionKey: 's1', modelKey: 0,
    inputTokens: 1_000, cacheReadTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, inputAudioTokens: 0,
    outputTokens: 500, reasoningTokens: 0, outputAudioTokens: 0,
    // 1,000 × $1/M + 500 × $5/M, as recorded.
    costPicodollars: 3_500_000_000n,
    ...overrides,
  };
}

const plan = (levers: unknown[]) => compileReplayPlan(simulationScenarioSchema.parse({ levers }), { targetKey: () => 1, overriddenKeys: [] });
const always = () => 0;
const never = () => drawScale - 1;

describe('the reference replay', () => {
  it('keeps an untouched call at its recorded cost, even one the rates would price otherwise', () => {
    const [result] = replayCalls([call({ costPicodollars: 123n })], plan([]), rates, always);
    expect(result).toMatchObject({ costPicodollars: 123n, touched: false });
  });

  it('prices a routed call at the target model, and an escalated one at both', () => {
    const [routed] = replayCalls([call()], plan([{ route: { feature: 'chat', to: 'cheap' } }]), rates, (_, salt) => (salt.endsWith(':e') ? drawScale - 1 : 0));
    expect(routed).toMatchObject({ routed: true, escalated: false, modelKey: 1, costPicodollars: 1_000n * 100_000n + 500n * 400_000n });
    const [escalated] = replayCalls([call()], plan([{ route: { feature: 'chat', to: 'cheap', cascade: { escalation_share: 0.5 } } }]), rates, always);
    expect(escalated!.costPicodollars).toBe(300_000_000n + 3_500_000_000n);
  });

  it('prices the web searches of a routed call at the target model rate per search', () => {
    // $10 per 1,000 searches on the target, as Claude models charge.
    const searchRates: SimulationRateRow[] = [rates[0]!, { ...rates[1]!, rates: { ...cheap, webSearch: 10_000_000_000 } }];
    const [routed] = replayCalls([call({ webSearchRequests: 2 })], plan([{ route: { feature: 'chat', to: 'cheap' } }]), searchRates, (_, salt) => (salt.endsWith(':e') ? drawScale - 1 : 0));
    expect(routed!.costPicodollars).toBe(1_000n * 100_000n + 500n * 400_000n + 2n * 10_000_000_000n);
  });

  it('reads a cached prefix on a hit and writes it on a miss', () => {
    const hit = replayCalls([call()], plan([{ prompt_cache: { prefix_tokens: 600, hit_rate: 0.5 } }]), rates, always)[0]!;
    expect(hit.costPicodollars).toBe(400n * 1_000_000n + 600n * 100_000n + 500n * 5_000_000n);
    const miss = replayCalls([call()], plan([{ prompt_cache: { prefix_tokens: 600, hit_rate: 0.5, ttl: '1h' } }]), rates, never)[0]!;
    expect(miss).toMatchObject({ promptCacheMiss: true, cacheWrite1hTokens: 600, costPicodollars: 400n * 1_000_000n + 600n * 2_000_000n + 500n * 5_000_000n });
  });

  it('answers a hit from the response cache for the look-up price only', () => {
    const [result] = replayCalls([call()], plan([{ response_cache: { hit_rate: 0.2, embedding_usd_per_lookup: 0.000001 } }]), rates, always);
    expect(result).toMatchObject({ responseCacheHit: true, inputTokens: 0, outputTokens: 0, costPicodollars: 1_000_000n });
  });

  it('caps output, keeping reasoning first', () => {
    const [result] = replayCalls([call({ outputTokens: 500, reasoningTokens: 300 })], plan([{ output_cap: { max_tokens: 200 } }]), rates, always);
    expect(result).toMatchObject({ truncated: true, outputTokens: 200, reasoningTokens: 200, outputTokensCut: 300, costPicodollars: 1_000n * 1_000_000n + 200n * 5_000_000n });
  });

  it('trims the uncached input only after step k', () => {
    const calls = [call({ id: 'a', step: 1 }), call({ id: 'b', step: 3 })];
    const [early, late] = replayCalls(calls, plan([{ prompt_trim: { share: 0.25, after_step: 2 } }]), rates, always);
    expect(early!.touched).toBe(false);
    expect(late).toMatchObject({ inputTokens: 750, inputTokensCut: 250 });
  });

  it('ends a session at its step cap or once its cost reached the budget', () => {
    const session = [call({ id: 'a', tsMs: 1 }), call({ id: 'b', tsMs: 2 }), call({ id: 'c', tsMs: 3 })];
    expect(replayCalls(session, plan([{ session_limit: { max_steps: 2 } }]), rates, always).map((result) => result.dropped)).toEqual([false, false, true]);
    // $0.0035 a call: the third starts after $0.007 ≥ $0.006.
    expect(replayCalls(session, plan([{ session_limit: { max_session_usd: 0.006 } }]), rates, always).map((result) => result.dropped)).toEqual([false, false, true]);
  });

  it('takes the batch discount off the cost, rounded down to the picodollar', () => {
    const [result] = replayCalls([call()], plan([{ price_change: { batch: { discount: 0.5 } } }]), rates, always);
    expect(result!.costPicodollars).toBe(1_750_000_000n);
  });
});

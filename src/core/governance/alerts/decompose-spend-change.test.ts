import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../demo/seeded-random.js';
import { decomposeSpendChange, spendOf, type ModelSpend } from './decompose-spend-change.js';
import { describeSpendCause } from './describe-spend-cause.js';

// Picodollars per token of each class: $2/M input, $0.2/M cache reads, $8/M output.
const small = { input: 2_000_000n, cacheRead: 200_000n, output: 8_000_000n };
const large = { input: 10_000_000n, cacheRead: 1_000_000n, output: 40_000_000n };

function row(model: string, calls: number, perCall: { input: number; cacheRead?: number; output: number }, prices = small): ModelSpend {
  const input = calls * perCall.input;
  const cacheRead = calls * (perCall.cacheRead ?? 0);
  const output = calls * perCall.output;
  return {
    model,
    calls,
    tokens: { input, cacheRead, cacheWrite: 0, output },
    cost: { input: BigInt(input) * prices.input, cacheRead: BigInt(cacheRead) * prices.cacheRead, cacheWrite: 0n, output: BigInt(output) * prices.output, other: 0n },
  };
}

function parts(baseline: ModelSpend[], current: ModelSpend[]): Record<string, bigint> & Record<'calls' | 'price' | 'model_mix' | 'cache_hit_rate' | 'input_tokens_per_call' | 'output_tokens_per_call', bigint> {
  return Object.fromEntries(decomposeSpendChange(baseline, current).contributions.map((part) => [part.driver, part.deltaPicodollars])) as ReturnType<typeof parts>;
}

describe('decomposeSpendChange', () => {
  it('puts a change of traffic alone on calls, to the picodollar', () => {
    const baseline = [row('small', 100, { input: 1000, output: 100 })];
    const current = [row('small', 300, { input: 1000, output: 100 })];
    const split = parts(baseline, current);
    expect(split.calls).toBe(spendOf(current) - spendOf(baseline));
    expect(Object.entries(split).filter(([driver]) => driver !== 'calls').every(([, delta]) => delta === 0n)).toBe(true);
  });

  it('puts longer outputs on output tokens per call, longer prompts on input tokens per call', () => {
    const baseline = [row('small', 100, { input: 1000, output: 100 })];
    expect(parts(baseline, [row('small', 100, { input: 1000, output: 300 })]).output_tokens_per_call).toBe(200n * 100n * small.output);
    expect(parts(baseline, [row('small', 100, { input: 2500, output: 100 })]).input_tokens_per_call).toBe(1500n * 100n * small.input);
  });

  it('puts calls moved to a pricier model on the model mix, and a new price on price', () => {
    const baseline = [row('small', 100, { input: 1000, output: 100 })];
    const routed = parts(baseline, [row('small', 20, { input: 1000, output: 100 }), row('large', 80, { input: 1000, output: 100 }, large)]);
    expect(routed.model_mix).toBe(80n * (1000n * (large.input - small.input) + 100n * (large.output - small.output)));
    expect(routed.price).toBe(0n);
    const repriced = parts(baseline, [row('small', 100, { input: 1000, output: 100 }, large)]);
    expect(repriced.price).toBe(spendOf([row('small', 100, { input: 1000, output: 100 }, large)]) - spendOf(baseline));
    expect(repriced.model_mix).toBe(0n);
  });

  it('puts a cache that stopped hitting on the cache hit rate', () => {
    const baseline = [row('small', 100, { input: 250, cacheRead: 750, output: 100 })];
    const current = [row('small', 100, { input: 800, cacheRead: 200, output: 100 })];
    const split = parts(baseline, current);
    expect(split.cache_hit_rate).toBe(100n * 550n * (small.input - small.cacheRead));
    expect(split.input_tokens_per_call).toBe(0n);
  });

  it('shares a joint change symmetrically: twice the calls at twice the price', () => {
    const baseline = [row('small', 100, { input: 1000, output: 100 })];
    const split = parts(baseline, [row('small', 200, { input: 1000, output: 100 }, { input: 4_000_000n, cacheRead: 400_000n, output: 16_000_000n })]);
    // $0.28 → $1.12: calls and price each explain half of the $0.84, whichever is "applied first".
    expect(split.calls).toBe(split.price);
    expect(split.calls + split.price).toBe(840_000_000_000n);
  });

  it('sums exactly to the change for any mix of models, classes and fractional baseline calls', () => {
    const random = new SeededRandom(7);
    for (let trial = 0; trial < 200; trial += 1) {
      const window = (): ModelSpend[] =>
        ['a', 'b', 'c'].filter(() => random.chance(0.7)).map((model) => {
          const calls = random.integer(0, 50) + (random.chance(0.3) ? 0.5 : 0);
          const tokens = { input: random.integer(0, 1e6), cacheRead: random.integer(0, 1e6), cacheWrite: random.integer(0, 1e5), output: random.integer(0, 1e6) };
          const cost = { input: BigInt(random.integer(0, 1e12)), cacheRead: BigInt(random.integer(0, 1e11)), cacheWrite: BigInt(random.integer(0, 1e11)), output: BigInt(random.integer(0, 1e12)) * 1000n, other: BigInt(random.integer(0, 1e9)) };
          return { model, calls, tokens, cost };
        });
      const baseline = window();
      const current = window();
      const decomposition = decomposeSpendChange(baseline, current);
      expect(decomposition.contributions.reduce((sum, part) => sum + part.deltaPicodollars, 0n)).toBe(spendOf(current) - spendOf(baseline));
    }
  });

  it('names the top contributor with its factor, the episode start and its share of the change', () => {
    const baseline = [row('small', 1000, { input: 1000, output: 1000 })];
    const current = [row('small', 1100, { input: 1000, output: 3100 })];
    const cause = describeSpendCause({ feature: 'support-faq' }, '2026-08-12', decomposeSpendChange(baseline, current));
    expect(cause.summary).toMatch(/^support-faq: output tokens per call ×3\.1 since 2026-08-12 explains 9\d% of \+\$\d+\.\d\d$/);
  });
});

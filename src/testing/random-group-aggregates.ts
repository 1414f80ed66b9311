import { emptyGroupAggregate, type GroupAggregate } from '../core/kpi/group-aggregate.js';

/**
 * Random group aggregates for the tests that compare two ways of computing a report's measures: amounts of
 * every size (zero, whole dollars, near and past 2^53 picodollars, i.e. $9,007, now and then negative) and
 * counts with zeros, from a seeded generator so that a failure reproduces.
 */
export function randomGroupAggregates(seed: number): { random: () => number; aggregate: () => GroupAggregate } {
  let state = seed;
  const random = (): number => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const amount = (): bigint => {
    const pick = random();
    if (pick < 0.15) return 0n;
    if (pick < 0.25) return BigInt(Math.floor(random() * 1_000)) * 1_000_000_000_000n;
    if (pick < 0.35) return BigInt(Number.MAX_SAFE_INTEGER) - BigInt(Math.floor(random() * 1_000)) + (random() < 0.5 ? 2_000n : 0n);
    const magnitude = BigInt(Math.floor(random() * 2 ** 26)) * BigInt(Math.floor(random() * 2 ** 24)) + BigInt(Math.floor(random() * 1e12));
    return random() < 0.05 ? -magnitude : magnitude;
  };
  const count = (): number => (random() < 0.2 ? 0 : Math.floor(random() * 5_000));
  const aggregate = (): GroupAggregate => {
    const calls = count();
    return {
      ...emptyGroupAggregate(),
      calls,
      pricedCalls: random() < 0.1 ? 0 : calls,
      unpricedCalls: count(),
      failedCalls: count(),
      tokens: { input: count(), cacheRead: count(), cacheWrite5m: count(), cacheWrite1h: count(), output: count(), reasoning: count(), inputAudio: count(), outputAudio: count() },
      unpricedInputTokens: count(),
      unpricedOutputTokens: count(),
      costPicodollars: { input: amount(), cacheRead: amount(), cacheWrite5m: amount(), cacheWrite1h: amount(), output: amount(), reasoning: amount(), audio: amount(), request: amount(), total: amount() },
      responseCacheHits: count(),
      responseCacheLookups: count(),
      tierCalls: { budget: count(), mid: count(), frontier: count(), unpriced: count() },
      tierCostPicodollars: { budget: amount(), mid: amount(), frontier: amount(), unpriced: amount() },
      tasks: count(),
      successfulTasks: count(),
      failedTasks: count(),
      activeUsers: count(),
      activeUserMonths: random() < 0.2 ? 0 : random() * 40,
      planRevenuePicodollars: amount(),
      recordRevenuePicodollars: amount(),
    };
  };
  return { random, aggregate };
}

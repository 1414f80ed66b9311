/**
 * A small seeded generator (sfc32, seeded through splitmix32), so demo traffic and benchmark data are the
 * same on every run and every machine: `unitcost demo --seed 7` or a figure in BENCHMARKS.md can be reproduced exactly.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the whole 128-bit state, so seeds 1 and 2 give unrelated streams.
    let state = seed >>> 0;
    const nextSeed = (): number => {
      state = (state + 0x9e3779b9) >>> 0;
      let mixed = state;
      mixed = Math.imul(mixed ^ (mixed >>> 16), 0x85ebca6b);
      mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
      return (mixed ^ (mixed >>> 16)) >>> 0;
    };
    this.a = nextSeed();
    this.b = nextSeed();
    this.c = nextSeed();
    this.d = nextSeed();
    // The first outputs of sfc32 still carry the seed's pattern.
    for (let index = 0; index < 12; index += 1) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + result) | 0;
    return result >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4_294_967_296;
  }

  /** A uniform number in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** A uniform integer in [min, max], both included. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** An integer in [min, max] whose logarithm is uniform: token counts span orders of magnitude. */
  logUniformInteger(min: number, max: number): number {
    const value = Math.round(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
    return Math.min(max, Math.max(min, value));
  }

  /** A standard normal draw (Box–Muller, the second value of each pair kept for the next call). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const spare = this.spareNormal;
      this.spareNormal = undefined;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** A log-normal draw with the given median: token counts and latencies are skewed like this. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** A whole log-normal draw clamped to [min, max]. */
  tokens(median: number, sigma: number, min: number, max: number): number {
    return Math.min(max, Math.max(min, Math.round(this.logNormal(median, sigma))));
  }

  /** A Pareto draw with scale 1 and the given shape: a few users do most of the work. */
  pareto(shape: number): number {
    return (1 - this.next()) ** (-1 / shape);
  }

  /** An index drawn with the given cumulative weights, by binary search. */
  weightedIndex(cumulativeWeights: ArrayLike<number>): number {
    const target = this.next() * cumulativeWeights[cumulativeWeights.length - 1]!;
    let low = 0;
    let high = cumulativeWeights.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulativeWeights[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/** Running sums of weights, for SeededRandom.weightedIndex. */
export function cumulative(weights: readonly number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((weight, index) => {
    total += weight;
    sums[index] = total;
  });
  return sums;
}

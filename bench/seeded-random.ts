/**
 * A small seeded generator (sfc32, seeded through splitmix32), so synthetic data is the same on every run
 * and on every machine: a figure in BENCHMARKS.md can be reproduced exactly from its seed.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

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

  /** An index drawn with the given weights, by a precomputed cumulative table. */
  weightedIndex(cumulativeWeights: Float64Array): number {
    const target = this.next() * cumulativeWeights[cumulativeWeights.length - 1]!;
    let index = 0;
    while (cumulativeWeights[index]! <= target) index += 1;
    return index;
  }
}

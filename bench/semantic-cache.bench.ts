import { unitVector } from '../src/core/gateway/cosine-similarity.js';
import { SemanticStore } from '../src/core/gateway/semantic-store.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';

/** What a lookup is held to: it sits on the path of every call of a cached feature, beside an embedding call of tens of ms. */
export const semanticCacheTargets = {
  /** Milliseconds for the nearest of 10,000 entries of 1,536 dimensions (text-embedding-3-small's default), on one core. */
  lookupMsAt10k: 10,
};

const defaults = { calls: 10_000, repetitions: 200, seed: 7 };
// text-embedding-3-small's default length, and the shorter one its `dimensions` parameter can ask for.
const sizes = [1536, 512];

/** Times SemanticStore.nearest over one full partition: the brute-force cosine search of the gateway's semantic cache. */
export const benchmark: Benchmark = {
  name: 'semantic-cache',
  description: 'ms per semantic cache lookup: brute-force cosine over one partition of 10,000 embeddings of 1,536 and of 512 dimensions',
  run: runSemanticCacheBenchmark,
};

async function runSemanticCacheBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const entries = options.calls ?? defaults.calls;
  const repetitions = options.repetitions ?? defaults.repetitions;
  let seed = options.seed ?? defaults.seed;
  // mulberry32: the same vectors for the same seed, so a figure can be reproduced.
  const random = (): number => {
    seed = (seed + 0x6d2b79f5) | 0;
    let mixed = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296 - 0.5;
  };
  let passed = true;
  const results: Record<string, unknown> = { entries, repetitions, targetMs: semanticCacheTargets.lookupMsAt10k };
  for (const dimensions of sizes) {
    const vector = (): Float32Array => unitVector(Array.from({ length: dimensions }, random))!;
    const store = new SemanticStore<number>(entries);
    const stored: Float32Array[] = [];
    for (let index = 0; index < entries; index += 1) {
      const entry = vector();
      stored.push(entry);
      store.add('tenant', entry, index, 0, 3_600_000);
    }
    // Warm-up, then timed lookups of prompts that are stored (a hit) and of fresh ones (a miss): both scan every entry.
    for (let index = 0; index < 20; index += 1) store.nearest('tenant', vector(), 0.95, 1);
    const timings: number[] = [];
    // CPU time as well as wall time: on a shared machine the wall time says as much about the neighbours as about the search.
    const cpuBefore = process.cpuUsage();
    for (let index = 0; index < repetitions; index += 1) {
      const hit = index % 2 === 0;
      const probe = hit ? stored[(index * 7919) % entries]! : vector();
      const started = performance.now();
      const match = store.nearest('tenant', probe, 0.95, 1);
      timings.push(performance.now() - started);
      if (hit !== (match !== undefined)) passed = false;
    }
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000 / repetitions;
    timings.sort((left, right) => left - right);
    const median = timings[Math.floor(timings.length / 2)]!;
    const p95 = timings[Math.floor(timings.length * 0.95)]!;
    const vectorsMb = (entries * dimensions * 4) / 1_000_000;
    console.log(
      `${entries} entries × ${dimensions} dimensions (${vectorsMb.toFixed(0)} MB of vectors): lookup median ${median.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, ${cpuMs.toFixed(2)} ms of CPU`,
    );
    results[`d${dimensions}`] = { lookupMedianMs: median, lookupP95Ms: p95, lookupCpuMs: cpuMs, vectorsMb };
  }
  console.log(`target: ${semanticCacheTargets.lookupMsAt10k} ms at 1,536 dimensions; hits and misses ${passed ? 'as expected' : 'WRONG'}`);
  return { passed, results };
}

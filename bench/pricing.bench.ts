import { loadBundledProviders } from '../src/app/load-bundled-providers.js';
import { PriceCatalog } from '../src/core/catalog/price-catalog.js';
import { formatPicodollarsExact } from '../src/core/cost/picodollars.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';
import { measureRate, type RateMeasurement } from './measure-rate.js';
import { compareModelResolution, comparePricing } from './pricing-agreement.js';
import {
  priceCallsFast,
  priceCallsWithResolvedCards,
  priceCallsWithTimelines,
  priceEachCall,
  priceEachCallWithGenaiPrices,
  resolveCards,
  type PassTotal,
} from './pricing-engines.js';
import { describeCallMix, generateSyntheticCalls } from './synthetic-calls.js';

/** What the pricing engine is held to; missing one is reported, not failed, since timings on a shared machine vary. */
export const pricingTargets = {
  /** A month of a large tenant's traffic re-priced in seconds on one core. */
  fastCallsPerSecond: 10_000_000,
  /** Worth owning the engine only if it is this much faster than pricing each call with calcPrice. */
  speedupOverCalcPrice: 100,
};

// Long enough for V8 to finish optimizing the loops at any --calls; a 10M-call pass alone takes about 0.6 s.
const warmUpSeconds = 2;

const defaults = { calls: 10_000_000, referenceCalls: 1_000_000, repetitions: 5, seed: 20_250_101 };

/** Prices synthetic calls through our fast path and through @pydantic/genai-prices, for speed and agreement. */
export const benchmark: Benchmark = {
  name: 'pricing',
  description: 'calls/s of the fast pricing path vs @pydantic/genai-prices calcPrice, and their agreement call by call',
  run: runPricingBenchmark,
};

async function runPricingBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const callCount = options.calls ?? defaults.calls;
  const referenceCount = Math.min(options.referenceCalls ?? defaults.referenceCalls, callCount);
  const repetitions = options.repetitions ?? defaults.repetitions;
  const seed = options.seed ?? defaults.seed;
  // The variants only explain the main figure, so they get fewer repetitions; calcPrice is slow, so it does too.
  const shortRepetitions = Math.max(1, Math.min(3, repetitions));

  const generationStarted = performance.now();
  const calls = generateSyntheticCalls(callCount, seed);
  const generationSeconds = (performance.now() - generationStarted) / 1000;
  log(`generated ${count(callCount)} calls over ${calls.models.length} models (seed ${seed}) in ${generationSeconds.toFixed(1)} s`);
  const mix = describeCallMix(calls);
  const share = (part: number): string => `${((100 * part) / Math.max(callCount, 1)).toFixed(1)}%`;
  log(
    `  cache reads ${share(mix.cacheRead)}, 5-minute writes ${share(mix.cacheWrite5m)}, 1-hour writes ${share(mix.cacheWrite1h)}, ` +
      `reasoning ${share(mix.reasoning)}, above 200k input ${share(mix.longContext)} (${count(mix.atThreshold)} within a token of it)`,
  );

  const providers = loadBundledProviders();
  const catalog = new PriceCatalog(providers);
  const resolutionMismatches = compareModelResolution(catalog, calls.models);

  log(`timing the fast path: ${warmUpSeconds} s of warm-up + ${repetitions} repetitions over ${count(callCount)} calls`);
  const fast = measureRate(callCount, () => priceCallsFast(catalog, calls), { warmUps: 1, warmUpSeconds, repetitions, same: samePass });
  log(`  ${describeRate(fast.measurement)}`);

  log(`timing the variants: timelines looked up once per model, and cards resolved ahead of the loop`);
  const withTimelines = measureRate(callCount, () => priceCallsWithTimelines(catalog, calls), {
    warmUps: 1,
    warmUpSeconds,
    repetitions: shortRepetitions,
    same: samePass,
  });
  log(`  timelines per model:  ${describeRate(withTimelines.measurement)}`);
  const resolved = resolveCards(new PriceCatalog(providers), calls);
  const withCards = measureRate(callCount, () => priceCallsWithResolvedCards(calls, resolved), {
    warmUps: 1,
    warmUpSeconds,
    repetitions: shortRepetitions,
    same: samePass,
  });
  log(`  cards resolved ahead: ${describeRate(withCards.measurement)} (${resolved.cards.length} distinct cards)`);

  log(`pricing the first ${count(referenceCount)} calls one by one through our public per-call path`);
  const oursPerCall = priceEachCall(new PriceCatalog(providers), calls, referenceCount);
  const fastOverReference = priceCallsFast(new PriceCatalog(providers), calls, referenceCount);
  let perCallSum = 0n;
  for (const cost of oursPerCall) if (!Number.isNaN(cost)) perCallSum += BigInt(cost);
  const fastMatchesPerCall = fastOverReference.totalPicodollars === perCallSum;

  log(`timing calcPrice: warm-up + ${shortRepetitions} repetitions over ${count(referenceCount)} calls`);
  priceEachCallWithGenaiPrices(calls, Math.min(referenceCount, 20_000));
  const reference = measureRate(referenceCount, () => priceEachCallWithGenaiPrices(calls, referenceCount), {
    warmUps: 0,
    repetitions: shortRepetitions,
    same: sameCosts,
  });
  log(`  ${describeRate(reference.measurement)}`);

  const agreement = comparePricing(calls, oursPerCall, reference.result);
  const speedupBest = fast.measurement.bestPerSecond / reference.measurement.bestPerSecond;
  const speedupMedian = fast.measurement.medianPerSecond / reference.measurement.medianPerSecond;
  const targets = {
    fastCallsPerSecond: { target: pricingTargets.fastCallsPerSecond, measured: fast.measurement.bestPerSecond, met: fast.measurement.bestPerSecond >= pricingTargets.fastCallsPerSecond },
    speedupOverCalcPrice: { target: pricingTargets.speedupOverCalcPrice, measured: speedupBest, met: speedupBest >= pricingTargets.speedupOverCalcPrice },
  };
  const passed =
    resolutionMismatches.length === 0 &&
    agreement.disagreements === 0 &&
    agreement.totalsAgree &&
    fastMatchesPerCall &&
    fast.result.unpriced === 0;

  printSummary();
  return {
    passed,
    results: {
      calls: callCount,
      referenceCalls: referenceCount,
      seed,
      models: calls.models.map((model) => `${model.provider}/${model.model}`),
      generationSeconds,
      mix,
      fastPath: { ...fast.measurement, totalPicodollars: fast.result.totalPicodollars, totalUsd: formatPicodollarsExact(fast.result.totalPicodollars), unpriced: fast.result.unpriced },
      variants: {
        timelinesPerModel: withTimelines.measurement,
        cardsResolvedAhead: { ...withCards.measurement, distinctCards: resolved.cards.length },
      },
      calcPrice: reference.measurement,
      speedup: { best: speedupBest, median: speedupMedian },
      agreement: { ...agreement, perCallSumPicodollars: perCallSum, fastTotalOverReferencePicodollars: fastOverReference.totalPicodollars, fastMatchesPerCall },
      resolutionMismatches,
      targets,
      passed,
    },
  };

  function printSummary(): void {
    const line = (label: string, value: string): void => log(`  ${label.padEnd(34)} ${value}`);
    log('');
    log('pricing summary');
    line('calls (fast path)', `${count(callCount)} over ${calls.models.length} models, seed ${seed}`);
    line('fast path, one thread', `${rate(fast.measurement.bestPerSecond)} best, ${rate(fast.measurement.medianPerSecond)} median`);
    line('  timelines looked up per model', `${rate(withTimelines.measurement.bestPerSecond)} best, ${rate(withTimelines.measurement.medianPerSecond)} median`);
    line('  cards resolved ahead (ceiling)', `${rate(withCards.measurement.bestPerSecond)} best, ${rate(withCards.measurement.medianPerSecond)} median`);
    line(`calcPrice, first ${count(referenceCount)}`, `${rate(reference.measurement.bestPerSecond)} best, ${rate(reference.measurement.medianPerSecond)} median`);
    line('speed-up over calcPrice', `${speedupBest.toFixed(0)}× best/best, ${speedupMedian.toFixed(0)}× median/median`);
    line('price periods hit', `${resolved.cards.length} distinct (provider, model, period) rate cards`);
    line('fast path total', `$${formatPicodollarsExact(fast.result.totalPicodollars)} (${fast.result.unpriced} unpriced)`);
    line(`our total, first ${count(referenceCount)}`, `$${formatPicodollarsExact(agreement.oursTotalPicodollars)}`);
    line(`calcPrice total, first ${count(referenceCount)}`, `$${agreement.theirsTotalUsd} (relative difference ${agreement.totalRelativeDifference.toExponential(2)})`);
    line('fast total = sum of per-call costs', fastMatchesPerCall ? 'yes, exactly' : `NO: ${fastOverReference.totalPicodollars} ≠ ${perCallSum}`);
    line('calls priced differently', `${agreement.disagreements} of ${count(agreement.compared)} (largest agreeing gap ${agreement.largestAgreeingDifferencePicodollars.toFixed(3)} pico$)`);
    if (agreement.unpricedByBoth > 0) line('unpriced by both engines', String(agreement.unpricedByBoth));
    for (const mismatch of resolutionMismatches) {
      line('model resolved differently', `${mismatch.provider}/${mismatch.model}: ours ${mismatch.ours}, calcPrice ${mismatch.theirs}`);
    }
    for (const example of agreement.examples) log(`    e.g. ${JSON.stringify(example)}`);
    line(`target ≥ ${rate(pricingTargets.fastCallsPerSecond)}`, targets.fastCallsPerSecond.met ? 'met' : 'MISSED');
    line(`target ≥ ${pricingTargets.speedupOverCalcPrice}× calcPrice`, targets.speedupOverCalcPrice.met ? 'met' : 'MISSED');
    line('agreement', passed ? 'passed' : 'FAILED');
  }
}

function samePass(a: PassTotal, b: PassTotal): boolean {
  return a.totalPicodollars === b.totalPicodollars && a.unpriced === b.unpriced;
}

function sameCosts(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((cost, index) => Object.is(cost, b[index]));
}

function describeRate(measurement: RateMeasurement): string {
  const seconds = measurement.seconds.map((elapsed) => elapsed.toFixed(2)).join(', ');
  return `${rate(measurement.bestPerSecond)} best, ${rate(measurement.medianPerSecond)} median (runs of ${seconds} s)`;
}

function rate(perSecond: number): string {
  if (perSecond >= 1_000_000) return `${(perSecond / 1_000_000).toFixed(2)} M calls/s`;
  return `${(perSecond / 1000).toFixed(1)} k calls/s`;
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function log(message: string): void {
  console.log(message);
}

import { calcPrice } from '@pydantic/genai-prices';
import type { PriceCatalog } from '../src/core/catalog/price-catalog.js';
import { PICODOLLARS_PER_USD, formatPicodollarsExact, picodollarsToUsd } from '../src/core/cost/picodollars.js';
import type { SyntheticCalls, SyntheticModel } from './synthetic-calls.js';

/** One call the two engines price differently, with everything needed to reproduce it. */
export interface PricingDisagreement {
  index: number;
  provider: string;
  model: string;
  at: string;
  usage: {
    inputTotal: number;
    cacheRead: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
    outputTotal: number;
    reasoning: number;
  };
  /** Exact, as a decimal dollar string; "unpriced" when our engine found no price. */
  oursUsd: string;
  /** calcPrice's float total_price; null when it returned no result. */
  theirsUsd: number | null;
  differencePicodollars: number | null;
}

/** How two pricings of the same calls compare, per call and in total. */
export interface PricingAgreement {
  compared: number;
  /** Calls priced by both, or by neither. */
  agreeing: number;
  disagreements: number;
  examples: PricingDisagreement[];
  /** Calls neither engine could price (both found no model): not a disagreement, but worth seeing. */
  unpricedByBoth: number;
  /** The largest per-call difference among agreeing calls: float noise on their side, never more than a picodollar. */
  largestAgreeingDifferencePicodollars: number;
  oursTotalPicodollars: bigint;
  /** Their per-call floats summed with compensation, so our summation adds no noise of its own. */
  theirsTotalUsd: number;
  totalRelativeDifference: number;
  totalsAgree: boolean;
}

/** Their float dollars may be this far from our exact picodollars and still count as the same price. */
export const perCallTolerance = { picodollars: 1, relative: 1e-9 };

/**
 * Compares our per-call costs (integer picodollars, NaN when unpriced) with calcPrice's (float dollars,
 * NaN when null). A call agrees when both priced it within a picodollar or 1e-9 of its cost, or neither did.
 */
export function comparePricing(calls: SyntheticCalls, ours: Float64Array, theirs: Float64Array, exampleLimit = 5): PricingAgreement {
  const compared = Math.min(ours.length, theirs.length);
  let disagreements = 0;
  let unpricedByBoth = 0;
  let largestAgreeingDifference = 0;
  const examples: PricingDisagreement[] = [];
  let oursTotal = 0n;
  // Neumaier's compensated sum: a naive sum of a million floats drifts by more than the tolerance we test.
  let theirsSum = 0;
  let theirsCompensation = 0;
  for (let index = 0; index < compared; index += 1) {
    const oursCost = ours[index]!;
    const theirsUsd = theirs[index]!;
    const oursPriced = !Number.isNaN(oursCost);
    const theirsPriced = !Number.isNaN(theirsUsd);
    if (oursPriced) oursTotal += BigInt(oursCost);
    if (theirsPriced) {
      const next = theirsSum + theirsUsd;
      theirsCompensation += Math.abs(theirsSum) >= Math.abs(theirsUsd) ? theirsSum - next + theirsUsd : theirsUsd - next + theirsSum;
      theirsSum = next;
    }
    if (!oursPriced && !theirsPriced) {
      unpricedByBoth += 1;
      continue;
    }
    const difference = oursPriced && theirsPriced ? Math.abs(oursCost - theirsUsd * PICODOLLARS_PER_USD) : null;
    const agrees = difference !== null && difference <= Math.max(perCallTolerance.picodollars, perCallTolerance.relative * Math.abs(oursCost));
    if (agrees) {
      largestAgreeingDifference = Math.max(largestAgreeingDifference, difference);
      continue;
    }
    disagreements += 1;
    if (examples.length < exampleLimit) examples.push(describeCall(calls, index, oursCost, theirsUsd, difference));
  }
  const theirsTotalUsd = theirsSum + theirsCompensation;
  const oursTotalUsd = picodollarsToUsd(oursTotal);
  const totalRelativeDifference =
    oursTotalUsd === theirsTotalUsd ? 0 : Math.abs(oursTotalUsd - theirsTotalUsd) / Math.max(Math.abs(oursTotalUsd), Math.abs(theirsTotalUsd));
  return {
    compared,
    agreeing: compared - disagreements,
    disagreements,
    examples,
    unpricedByBoth,
    largestAgreeingDifferencePicodollars: largestAgreeingDifference,
    oursTotalPicodollars: oursTotal,
    theirsTotalUsd,
    totalRelativeDifference,
    totalsAgree: totalRelativeDifference <= perCallTolerance.relative,
  };
}

/** A model of the mix that the two engines resolve to different catalog entries. */
export interface ResolutionMismatch {
  provider: string;
  model: string;
  ours: string | null;
  theirs: string | null;
}

/** Checks that each model name of the mix resolves to the same provider and model id in both engines. */
export function compareModelResolution(catalog: PriceCatalog, models: readonly SyntheticModel[]): ResolutionMismatch[] {
  const mismatches: ResolutionMismatch[] = [];
  for (const model of models) {
    const lookup = catalog.findModel(model.model, { provider: model.provider });
    const ours = lookup.found ? `${lookup.model.provider}/${lookup.model.model}` : null;
    const result = calcPrice({ input_tokens: 1, output_tokens: 1 }, model.model, { providerId: model.provider });
    const theirs = result === null ? null : `${result.provider.id}/${result.model.id}`;
    if (ours !== theirs) mismatches.push({ provider: model.provider, model: model.model, ours, theirs });
  }
  return mismatches;
}

function describeCall(calls: SyntheticCalls, index: number, oursCost: number, theirsUsd: number, difference: number | null): PricingDisagreement {
  const model = calls.models[calls.modelIndex[index]!]!;
  return {
    index,
    provider: model.provider,
    model: model.model,
    at: new Date(calls.timestampMs[index]!).toISOString(),
    usage: {
      inputTotal: calls.inputTotal[index]!,
      cacheRead: calls.cacheRead[index]!,
      cacheWrite5m: calls.cacheWrite5m[index]!,
      cacheWrite1h: calls.cacheWrite1h[index]!,
      outputTotal: calls.outputTotal[index]!,
      reasoning: calls.reasoning[index]!,
    },
    oursUsd: Number.isNaN(oursCost) ? 'unpriced' : formatPicodollarsExact(oursCost),
    theirsUsd: Number.isNaN(theirsUsd) ? null : theirsUsd,
    differencePicodollars: difference,
  };
}

import type { PriceCatalog } from '../core/catalog/price-catalog.js';
import type { RateCard } from '../core/catalog/rate-card.js';
import { priceRowFor } from '../core/events/price-row-for.js';
import type { PricingGroup, RateAssignment } from './event-writer.js';
import type { StoredPriceRow } from './stored-rows.js';

const dayMs = 86_400_000;
const daySeconds = 86_400;
const noProvider: { provider?: string } = {};

/**
 * The rates every stored (provider, model) pair is billed at over the time its calls span, as rows for
 * EventWriter.applyRates: one per price period (dated catalog entries, overrides, discounts), slice of
 * the day (off-peak windows) and long-context band. Models are resolved exactly as ingest resolves them
 * (toStoredUsageRow), so a call repriced with an unchanged catalog keeps its cost.
 */
export function planRateAssignments(groups: readonly PricingGroup[], catalog: PriceCatalog): { assignments: RateAssignment[]; prices: StoredPriceRow[] } {
  const assignments: RateAssignment[] = [];
  const prices = new Map<string, StoredPriceRow>();
  for (const group of groups) {
    const fromMs = group.firstMs;
    const toMs = group.lastMs + 1;
    const whole = { provider: group.provider, model: group.model, daySecondFrom: 0, daySecondTo: daySeconds, inputAbove: -1, inputAtMost: Number.MAX_SAFE_INTEGER };
    const lookup = catalog.findModel(group.model, group.provider === null ? noProvider : { provider: group.provider });
    if (!lookup.found) {
      assignments.push({ ...whole, fromMs, toMs, price: null, unpricedReason: lookup.reason });
      continue;
    }
    const timeline = lookup.timeline;
    const changes = timeline
      .changePoints()
      .map((point) => Date.parse(point))
      .filter((pointMs) => pointMs > fromMs && pointMs < toMs);
    const bounds = [fromMs, ...changes, toMs];
    const slices = daySlices(timeline.dailyWindows().flatMap((window) => [secondOfDay(window.start), secondOfDay(window.end)]));
    for (let index = 0; index + 1 < bounds.length; index += 1) {
      const segmentFrom = bounds[index]!;
      const segmentTo = bounds[index + 1]!;
      for (const [sliceFrom, sliceTo] of slices) {
        const at = firstInstantInSlice(segmentFrom, sliceFrom, sliceTo);
        if (at >= segmentTo) continue;
        const place = { ...whole, fromMs: segmentFrom, toMs: segmentTo, daySecondFrom: sliceFrom, daySecondTo: sliceTo };
        const answer = timeline.at(at);
        if (!answer.priced) {
          assignments.push({ ...place, price: null, unpricedReason: answer.reason });
        } else if (!answer.price.card.pricedByToken) {
          assignments.push({ ...place, price: null, unpricedReason: `${answer.price.model.provider}/${answer.price.model.model} is not priced by token in the catalog` });
        } else {
          const row = priceRowFor(answer.price);
          prices.set(row.priceId, row);
          const price = { priceId: row.priceId, pricedProvider: row.provider, pricedModel: row.model };
          for (const band of inputBands(answer.price.card)) assignments.push({ ...place, ...band, price: { ...price, rates: band.rates }, unpricedReason: null });
        }
      }
    }
  }
  return { assignments, prices: [...prices.values()] };
}

// A tier replaces the base rates once the input total exceeds its threshold (see ratesFor).
function inputBands(card: RateCard): Array<{ inputAbove: number; inputAtMost: number; rates: RateCard['base'] }> {
  const bands = [{ inputAbove: -1, inputAtMost: Number.MAX_SAFE_INTEGER, rates: card.base }];
  for (const tier of card.tiers) {
    bands.at(-1)!.inputAtMost = tier.inputAbove;
    bands.push({ inputAbove: tier.inputAbove, inputAtMost: Number.MAX_SAFE_INTEGER, rates: tier.rates });
  }
  return bands;
}

// The day cut at every window edge, so that each slice has one price.
function daySlices(edges: number[]): Array<[number, number]> {
  const points = [...new Set([0, ...edges, daySeconds])].sort((a, b) => a - b);
  const slices: Array<[number, number]> = [];
  for (let index = 0; index + 1 < points.length; index += 1) slices.push([points[index]!, points[index + 1]!]);
  return slices;
}

// The first instant at or after fromMs whose second of the day (UTC) lies in [sliceFrom, sliceTo).
function firstInstantInSlice(fromMs: number, sliceFrom: number, sliceTo: number): number {
  const dayStart = Math.floor(fromMs / dayMs) * dayMs;
  const second = (fromMs - dayStart) / 1000;
  if (second >= sliceFrom && second < sliceTo) return fromMs;
  if (second < sliceFrom) return dayStart + sliceFrom * 1000;
  return dayStart + dayMs + sliceFrom * 1000;
}

/** Seconds after midnight UTC of a time such as "16:30:00Z" or "00:30:00+08:00", as the catalog writes daily windows. */
export function secondOfDay(time: string): number {
  const match = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))?$/.exec(time);
  if (!match) throw new RangeError(`not a time of day: ${time}`);
  const [, hours, minutes, seconds, zone, sign, zoneHours, zoneMinutes] = match;
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds ?? 0);
  const offset = zone === undefined || zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(zoneHours) * 3600 + Number(zoneMinutes) * 60);
  return (((local - offset) % daySeconds) + daySeconds) % daySeconds;
}

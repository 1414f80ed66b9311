import { overlayPrices, scaleRateCard, type PricePerMillion, type RateCard } from './rate-card.js';

/** Which model a price belongs to. */
export interface ModelRef {
  provider: string;
  model: string;
  name: string;
  source: 'catalog' | 'custom';
  contextWindow?: number;
  deprecated?: boolean;
}

/** A model's prices in force at one instant, with what made them so. */
export interface ResolvedPrice {
  model: ModelRef;
  card: RateCard;
  /** Identifies the price period, so callers can reuse a resolution for every call in it. */
  periodKey: string;
  /** Where the prices came from, in the order they were applied, e.g. ["genai-prices 2025-06-01", "discount 20%"]. */
  sources: string[];
}

/** A price in force at a time, or why there is none. */
export type PriceAtTime = { priced: true; price: ResolvedPrice } | { priced: false; model: ModelRef; reason: string };

/** A catalog price entry: always in force, from a date, or during a daily window (off-peak prices). */
export interface TimelineEntry {
  card: RateCard;
  startDate?: string;
  dailyWindow?: { start: string; end: string };
}

/** A dated change of some prices, laid over the catalog's. */
export interface OverridePoint {
  from: string;
  prices: PricePerMillion;
}

/** A dated percentage off. */
export interface DiscountWindow {
  percent: number;
  from?: string;
  to?: string;
  /** Model-specific discounts win over provider-wide ones. */
  specificity: number;
}

const secondsPerDay = 86_400;

/**
 * A model's prices over time: catalog entries chosen as @pydantic/genai-prices chooses them (the last entry
 * whose condition holds), then the user's dated overrides, then discounts. Each combination is compiled
 * once and reused for every call in its period.
 */
export class PriceTimeline {
  private readonly entries: Array<TimelineEntry & { startMs?: number; window?: [number, number] }>;
  private readonly overrides: Array<OverridePoint & { fromMs: number }>;
  private readonly discounts: Array<DiscountWindow & { fromMs: number; toMs: number }>;
  private readonly compiled = new Map<number, ResolvedPrice>();

  constructor(
    readonly model: ModelRef,
    entries: TimelineEntry[],
    overrides: OverridePoint[] = [],
    discounts: DiscountWindow[] = [],
    /** Custom models have no price before their first dated price; catalog models fall back to their first entry. */
    private readonly strictStart = false,
  ) {
    this.entries = entries.map((entry) => ({
      ...entry,
      ...(entry.startDate === undefined ? {} : { startMs: Date.parse(entry.startDate) }),
      ...(entry.dailyWindow === undefined
        ? {}
        : { window: [secondOfDay(entry.dailyWindow.start), secondOfDay(entry.dailyWindow.end)] as [number, number] }),
    }));
    this.hasDailyWindows = this.entries.some((entry) => entry.window !== undefined);
    this.overrides = overrides
      .map((point) => ({ ...point, fromMs: Date.parse(point.from) }))
      .sort((a, b) => a.fromMs - b.fromMs);
    this.discounts = discounts.map((discount) => ({
      ...discount,
      fromMs: discount.from === undefined ? -Infinity : Date.parse(discount.from),
      toMs: discount.to === undefined ? Infinity : Date.parse(discount.to),
    }));
  }

  /** The prices in force at a time (milliseconds since the epoch). */
  at(timeMs: number): PriceAtTime {
    // Calls arrive in time order far more often than not: reuse the last answer while its period lasts.
    if (timeMs >= this.lastFromMs && timeMs < this.lastToMs && this.last) return this.last;
    const answer = this.resolve(timeMs, false);
    this.rememberPeriod(timeMs, answer);
    return answer;
  }

  /**
   * The model's price periods by date, oldest first; prices of daily windows are left to dailyWindows().
   * The first period has no start: the catalog's first price also stands for the time before its dates.
   */
  history(): Array<{ from: string | null; to: string | null; price: PriceAtTime }> {
    const points = this.changePoints();
    const periods: Array<{ from: string | null; to: string | null; price: PriceAtTime }> = [];
    const firstMs = points[0] === undefined ? 0 : Date.parse(points[0]) - 1;
    periods.push({ from: null, to: points[0] ?? null, price: this.resolve(firstMs, true) });
    points.forEach((point, index) => {
      periods.push({ from: point, to: points[index + 1] ?? null, price: this.resolve(Date.parse(point), true) });
    });
    return periods;
  }

  private resolve(timeMs: number, ignoreWindows: boolean): PriceAtTime {
    const entryIndex = this.entryIndexAt(timeMs, ignoreWindows);
    const overrideIndex = this.overrideIndexAt(timeMs);
    let answer: PriceAtTime;
    if (entryIndex < 0 && overrideIndex < 0) {
      answer = { priced: false, model: this.model, reason: `${this.model.model} has no price in force at ${new Date(timeMs).toISOString()}` };
    } else {
      const discountIndex = this.discountIndexAt(timeMs);
      // A numeric key keeps models with daily windows (re-resolved on every call) free of string building.
      const compiledKey = ((entryIndex + 1) * 4096 + overrideIndex + 1) * 4096 + discountIndex + 1;
      let price = this.compiled.get(compiledKey);
      if (!price) {
        price = this.compile(entryIndex, overrideIndex, discountIndex, `${entryIndex}|${overrideIndex}|${discountIndex}`);
        this.compiled.set(compiledKey, price);
      }
      answer = { priced: true, price };
    }
    return answer;
  }

  private last: PriceAtTime | undefined;
  private lastFromMs = Infinity;
  private lastToMs = -Infinity;
  private changeMs: number[] | undefined;
  private readonly hasDailyWindows: boolean;

  // A daily window changes the price every day, so only date-bounded periods are worth remembering.
  private rememberPeriod(timeMs: number, answer: PriceAtTime): void {
    if (this.hasDailyWindows) return;
    this.changeMs ??= this.changePoints().map((point) => Date.parse(point));
    let fromMs = -Infinity;
    let toMs = Infinity;
    for (const pointMs of this.changeMs) {
      if (pointMs <= timeMs) fromMs = pointMs;
      else {
        toMs = pointMs;
        break;
      }
    }
    this.last = answer;
    this.lastFromMs = fromMs;
    this.lastToMs = toMs;
  }

  /** The instants at which this model's price changes by date, ascending, for showing its history. */
  changePoints(): string[] {
    const points = new Set<string>();
    for (const entry of this.entries) if (entry.startDate) points.add(entry.startDate);
    for (const point of this.overrides) points.add(point.from);
    for (const discount of this.discounts) {
      if (discount.from) points.add(discount.from);
      if (discount.to) points.add(discount.to);
    }
    return [...points].sort((a, b) => Date.parse(a) - Date.parse(b));
  }

  /** Daily windows with their own price (off-peak discounts), which a date-based history cannot show. */
  dailyWindows(): Array<{ start: string; end: string; card: RateCard }> {
    return this.entries.flatMap((entry) => (entry.dailyWindow ? [{ ...entry.dailyWindow, card: entry.card }] : []));
  }

  private compile(entryIndex: number, overrideIndex: number, discountIndex: number, periodKey: string): ResolvedPrice {
    const sources: string[] = [];
    const entry = this.entries[entryIndex];
    let card: RateCard;
    if (entry) {
      card = entry.card;
      const label = this.model.source === 'catalog' ? 'genai-prices' : 'config';
      sources.push(entry.startDate ? `${label} from ${entry.startDate}` : entry.dailyWindow ? `${label} daily ${entry.dailyWindow.start}–${entry.dailyWindow.end}` : label);
    } else {
      card = { base: zeroRates(), tiers: [], explicit: new Set(), pricedByToken: false };
    }
    const discount = this.discounts[discountIndex];
    if (discount) {
      card = scaleRateCard(card, 1 - discount.percent / 100);
      sources.push(`discount ${discount.percent}%`);
    }
    const override = this.overrides[overrideIndex];
    if (override) {
      card = overlayPrices(card, override.prices);
      sources.push(`override from ${override.from}`);
    }
    return { model: this.model, card, periodKey, sources };
  }

  private entryIndexAt(timeMs: number, ignoreWindows = false): number {
    for (let index = this.entries.length - 1; index >= 0; index -= 1) {
      const entry = this.entries[index]!;
      if (entry.startMs !== undefined) {
        if (timeMs >= entry.startMs) return index;
      } else if (entry.window !== undefined) {
        if (!ignoreWindows && inWindow(timeMs, entry.window)) return index;
      } else {
        return index;
      }
    }
    return this.strictStart || this.entries.length === 0 ? -1 : 0;
  }

  private overrideIndexAt(timeMs: number): number {
    for (let index = this.overrides.length - 1; index >= 0; index -= 1) {
      if (timeMs >= this.overrides[index]!.fromMs) return index;
    }
    return -1;
  }

  private discountIndexAt(timeMs: number): number {
    let best = -1;
    for (let index = 0; index < this.discounts.length; index += 1) {
      const discount = this.discounts[index]!;
      if (timeMs < discount.fromMs || timeMs >= discount.toMs) continue;
      const current = this.discounts[best];
      if (!current || discount.specificity > current.specificity || (discount.specificity === current.specificity && discount.fromMs >= current.fromMs)) {
        best = index;
      }
    }
    return best;
  }
}

function zeroRates(): RateCard['base'] {
  return { input: 0, cacheRead: 0, cacheWrite5m: 0, cacheWrite1h: 0, output: 0, reasoning: 0, inputAudio: 0, outputAudio: 0, request: 0, webSearch: 0 };
}

function inWindow(timeMs: number, [start, end]: [number, number]): boolean {
  const second = ((Math.floor(timeMs / 1000) % secondsPerDay) + secondsPerDay) % secondsPerDay;
  return end < start ? second >= start || second < end : second >= start && second < end;
}

/** Seconds after midnight UTC of a time such as "16:30:00Z" or "00:30:00+08:00". */
function secondOfDay(time: string): number {
  const match = /^(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):(\d{2}))$/.exec(time);
  if (!match) throw new RangeError(`not a time of day: ${time}`);
  const [, hours, minutes, seconds, zone, sign, zoneHours, zoneMinutes] = match;
  const local = Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
  const offset = zone === 'Z' ? 0 : (sign === '+' ? 1 : -1) * (Number(zoneHours) * 3600 + Number(zoneMinutes) * 60);
  return (((local - offset) % secondsPerDay) + secondsPerDay) % secondsPerDay;
}

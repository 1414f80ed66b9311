import { formatPicodollarsExact } from '../cost/picodollars.js';
import type { ProviderReport, ReconcileClass, ReconcileProvider } from './provider-report.js';

/** What unitcost recorded of one day, model and class: the same grain as a provider's report. */
export interface RecordedUsage {
  day: string;
  /** The model's catalog id (what its calls were priced as), or its name as recorded when unpriced. */
  model: string;
  tokenClass: ReconcileClass;
  quantity: bigint;
  picodollars: bigint;
}

export interface ReconcileInput {
  provider: ReconcileProvider;
  report: ProviderReport;
  recorded: RecordedUsage[];
  /** Maps a provider's model name (gpt-4o-2024-08-06) to the id unitcost records it under (gpt-4o). */
  canonicalModel: (model: string) => string;
}

/** One day, model and class, both sides. Dollars are exact decimal strings. */
export interface ReconcileRow {
  day: string;
  model: string;
  token_class: ReconcileClass;
  reported_quantity: string;
  recorded_quantity: string;
  /** What the provider billed for the row: from its cost report, else null (a usage report alone). */
  billed_usd: string | null;
  recorded_usd: string;
  /** The billed dollars of the quantity unitcost never saw (calls no one instrumented). */
  untracked_usd: string | null;
  /** Recorded minus billed for the quantity both saw: a price unitcost has wrong. */
  price_gap_usd: string | null;
}

/** A price unitcost has wrong, the config change that would close it, and how much of the gap that explains. */
export interface PriceMismatch {
  model: string | null;
  /** Billed ÷ recorded for what both saw: 0.88 is a 12% discount unitcost does not know. */
  ratio: number;
  from_day: string;
  gap_usd: string;
  explains_share: number;
  suggestion: { discounts?: Array<{ provider: string; model?: string; percent: number; effective_from: string }>; note?: string };
  summary: string;
}

export interface Reconciliation {
  provider: ReconcileProvider;
  from: string;
  to: string;
  totals: {
    billed_usd: string;
    recorded_usd: string;
    /** Billed dollars of what unitcost also recorded. */
    seen_billed_usd: string;
    untracked_usd: string;
    /** Billed lines that name no model or class unitcost records (support, fine-tuning jobs): in billed, never seen. */
    unplaced_usd: string;
    /** seen_billed ÷ billed: the share of the bill unitcost saw. Null without a cost report. */
    coverage: number | null;
    /** Without a cost report: the share of reported tokens (weighted by unitcost's prices) that unitcost recorded. */
    token_coverage: number;
  };
  rows: ReconcileRow[];
  untracked_by_model: Array<{ model: string; untracked_usd: string; reported_quantity: string; recorded_quantity: string }>;
  /** Recorded but never billed: calls unitcost counted that the provider did not (a test key, another org). */
  recorded_not_billed: Array<{ model: string; token_class: ReconcileClass; quantity: string }>;
  price_mismatches: PriceMismatch[];
  unplaced: Array<{ day: string; description: string; billed_usd: string }>;
  summary: string;
}

interface Cell {
  day: string;
  model: string;
  tokenClass: ReconcileClass;
  reported: bigint;
  recorded: bigint;
  recordedPicodollars: bigint;
  billed: bigint | null;
}

/**
 * Compares what a provider billed with what unitcost recorded, day by day, model by model and class by
 * class. A row's billed dollars split into the part unitcost saw (billed × recorded ÷ reported quantity)
 * and the part it never saw (untracked spend); for the part it saw, recorded minus billed is a price
 * unitcost has wrong. The gaps are then explained: a constant ratio from some day on is a discount, and the
 * config line that adds it is proposed with the share of the gap it closes.
 */
export function reconcileSpend(input: ReconcileInput): Reconciliation {
  const cells = new Map<string, Cell>();
  const cellOf = (day: string, model: string, tokenClass: ReconcileClass): Cell => {
    const key = `${day}\u0000${model}\u0000${tokenClass}`;
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { day, model, tokenClass, reported: 0n, recorded: 0n, recordedPicodollars: 0n, billed: null };
      cells.set(key, cell);
    }
    return cell;
  };
  const inWindow = (day: string): boolean => day >= input.report.fromDay && day < input.report.toDay;
  for (const usage of input.report.usage) cellOf(usage.day, input.canonicalModel(usage.model), usage.tokenClass).reported += usage.quantity;
  for (const recorded of input.recorded) {
    if (!inWindow(recorded.day)) continue;
    const cell = cellOf(recorded.day, recorded.model, recorded.tokenClass);
    cell.recorded += recorded.quantity;
    cell.recordedPicodollars += recorded.picodollars;
  }
  let billedTotal = 0n;
  let unplacedTotal = 0n;
  const unplaced: Reconciliation['unplaced'] = [];
  const hasCosts = input.report.costs.length > 0;
  for (const cost of input.report.costs) {
    billedTotal += cost.picodollars;
    if (cost.model === null || cost.tokenClass === null) {
      unplacedTotal += cost.picodollars;
      unplaced.push({ day: cost.day, description: cost.description, billed_usd: formatPicodollarsExact(cost.picodollars) });
      continue;
    }
    const cell = cellOf(cost.day, input.canonicalModel(cost.model), cost.tokenClass);
    cell.billed = (cell.billed ?? 0n) + cost.picodollars;
  }

  const ordered = [...cells.values()].sort((a, b) => a.day.localeCompare(b.day) || a.model.localeCompare(b.model) || a.tokenClass.localeCompare(b.tokenClass));
  let recordedTotal = 0n;
  let seenBilledTotal = 0n;
  let untrackedTotal = 0n;
  // Token coverage weighs each class by unitcost's own price for it, so it means something without a cost report.
  let reportedWeighted = 0n;
  let seenWeighted = 0n;
  const untrackedByModel = new Map<string, { untracked: bigint; reported: bigint; recorded: bigint }>();
  const recordedNotBilled = new Map<string, { model: string; tokenClass: ReconcileClass; quantity: bigint }>();
  const rows: ReconcileRow[] = [];
  const seenByDayModel: Array<{ day: string; model: string; seenBilled: bigint; recorded: bigint }> = [];
  for (const cell of ordered) {
    recordedTotal += cell.recordedPicodollars;
    const seenQuantity = cell.recorded < cell.reported ? cell.recorded : cell.reported;
    if (cell.recorded > cell.reported) {
      const key = `${cell.model}\u0000${cell.tokenClass}`;
      const entry = recordedNotBilled.get(key) ?? { model: cell.model, tokenClass: cell.tokenClass, quantity: 0n };
      entry.quantity += cell.recorded - cell.reported;
      recordedNotBilled.set(key, entry);
    }
    const unitPicodollars = cell.recorded > 0n ? cell.recordedPicodollars : 0n;
    if (cell.recorded > 0n) {
      reportedWeighted += (unitPicodollars * cell.reported) / cell.recorded;
      seenWeighted += (unitPicodollars * seenQuantity) / cell.recorded;
    }
    let seenBilled: bigint | null = null;
    let untracked: bigint | null = null;
    let priceGap: bigint | null = null;
    if (cell.billed !== null) {
      seenBilled = cell.reported === 0n ? cell.billed : (cell.billed * seenQuantity) / cell.reported;
      untracked = cell.billed - seenBilled;
      // Only the recorded dollars of the quantity the provider also billed are compared with what it billed for it.
      const recordedSeen = cell.recorded === 0n ? 0n : (cell.recordedPicodollars * seenQuantity) / cell.recorded;
      priceGap = recordedSeen - seenBilled;
      seenBilledTotal += seenBilled;
      untrackedTotal += untracked;
      seenByDayModel.push({ day: cell.day, model: cell.model, seenBilled, recorded: recordedSeen });
      if (untracked > 0n) {
        const entry = untrackedByModel.get(cell.model) ?? { untracked: 0n, reported: 0n, recorded: 0n };
        entry.untracked += untracked;
        untrackedByModel.set(cell.model, entry);
      }
    }
    const modelEntry = untrackedByModel.get(cell.model);
    if (modelEntry !== undefined) {
      modelEntry.reported += cell.reported;
      modelEntry.recorded += cell.recorded;
    }
    rows.push({
      day: cell.day,
      model: cell.model,
      token_class: cell.tokenClass,
      reported_quantity: cell.reported.toString(),
      recorded_quantity: cell.recorded.toString(),
      billed_usd: cell.billed === null ? null : formatPicodollarsExact(cell.billed),
      recorded_usd: formatPicodollarsExact(cell.recordedPicodollars),
      untracked_usd: untracked === null ? null : formatPicodollarsExact(untracked),
      price_gap_usd: priceGap === null ? null : formatPicodollarsExact(priceGap),
    });
  }
  untrackedTotal += unplacedTotal;

  const mismatches = hasCosts ? explainPriceGaps(input.provider, seenByDayModel) : [];
  const coverage = hasCosts && billedTotal > 0n ? ratio(seenBilledTotal, billedTotal) : null;
  const tokenCoverage = reportedWeighted > 0n ? ratio(seenWeighted, reportedWeighted) : 1;
  const result: Reconciliation = {
    provider: input.provider,
    from: input.report.fromDay,
    to: input.report.toDay,
    totals: {
      billed_usd: formatPicodollarsExact(billedTotal),
      recorded_usd: formatPicodollarsExact(recordedTotal),
      seen_billed_usd: formatPicodollarsExact(seenBilledTotal),
      untracked_usd: formatPicodollarsExact(untrackedTotal),
      unplaced_usd: formatPicodollarsExact(unplacedTotal),
      coverage,
      token_coverage: tokenCoverage,
    },
    rows,
    untracked_by_model: [...untrackedByModel.entries()]
      .filter(([, entry]) => entry.untracked > 0n)
      .sort((a, b) => (b[1].untracked > a[1].untracked ? 1 : b[1].untracked < a[1].untracked ? -1 : 0))
      .map(([model, entry]) => ({ model, untracked_usd: formatPicodollarsExact(entry.untracked), reported_quantity: entry.reported.toString(), recorded_quantity: entry.recorded.toString() })),
    recorded_not_billed: [...recordedNotBilled.values()].map((entry) => ({ model: entry.model, token_class: entry.tokenClass, quantity: entry.quantity.toString() })),
    price_mismatches: mismatches,
    unplaced,
    summary: '',
  };
  result.summary = summarize(result);
  return result;
}

// A ratio this close to 1 is rounding in the provider's report, not a price unitcost has wrong.
const priceTolerance = 0.002;

/**
 * Finds the discounts (or price rises) that explain recorded minus billed for what both sides saw: per
 * model, the day from which billed ÷ recorded settles on a new constant, chosen as the split that leaves
 * the least unexplained; when every model moved alike, one provider-wide discount is proposed instead.
 */
function explainPriceGaps(provider: ReconcileProvider, seen: Array<{ day: string; model: string; seenBilled: bigint; recorded: bigint }>): PriceMismatch[] {
  const totalGap = seen.reduce((sum, row) => sum + (row.recorded - row.seenBilled), 0n);
  const byModel = new Map<string, Map<string, { billed: bigint; recorded: bigint }>>();
  for (const row of seen) {
    const days = byModel.get(row.model) ?? new Map<string, { billed: bigint; recorded: bigint }>();
    const day = days.get(row.day) ?? { billed: 0n, recorded: 0n };
    day.billed += row.seenBilled;
    day.recorded += row.recorded;
    days.set(row.day, day);
    byModel.set(row.model, days);
  }
  const perModel = [...byModel.entries()]
    .map(([model, days]) => ({ model, change: changePoint([...days.entries()].sort((a, b) => a[0].localeCompare(b[0]))) }))
    .filter((entry) => entry.change !== null && Math.abs(entry.change.ratio - 1) > priceTolerance) as Array<{ model: string; change: ChangePoint }>;
  if (perModel.length === 0 || totalGap === 0n) return [];

  // One discount for the whole provider reads better, and is what a negotiated contract usually is.
  const first = perModel[0]!.change;
  const uniform = perModel.length === byModel.size && perModel.every((entry) => Math.abs(entry.change.ratio - first.ratio) < priceTolerance && entry.change.fromDay === first.fromDay);
  if (uniform) {
    const explained = perModel.reduce((sum, entry) => sum + entry.change.explained, 0n);
    return [mismatch(provider, null, first.ratio, first.fromDay, totalGap, explained)];
  }
  return perModel
    .map((entry) => mismatch(provider, entry.model, entry.change.ratio, entry.change.fromDay, totalGap, entry.change.explained))
    .sort((a, b) => b.explains_share - a.explains_share);
}

interface ChangePoint {
  ratio: number;
  fromDay: string;
  /** Recorded minus billed that applying the ratio from fromDay removes, in picodollars. */
  explained: bigint;
}

function changePoint(days: Array<[string, { billed: bigint; recorded: bigint }]>): ChangePoint | null {
  const usable = days.filter(([, day]) => day.recorded > 0n);
  if (usable.length === 0) return null;
  let best: { residual: number; index: number; ratio: number } | undefined;
  for (let index = 0; index < usable.length; index += 1) {
    const before = usable.slice(0, index);
    const after = usable.slice(index);
    // The days before the change keep unitcost's prices (a ratio of 1); the days after share one new ratio.
    const afterBilled = after.reduce((sum, [, day]) => sum + day.billed, 0n);
    const afterRecorded = after.reduce((sum, [, day]) => sum + day.recorded, 0n);
    const afterRatio = ratio(afterBilled, afterRecorded);
    let residual = 0;
    for (const [, day] of before) residual += Math.abs(Number(day.billed - day.recorded));
    for (const [, day] of after) residual += Math.abs(Number(day.billed) - Number(day.recorded) * afterRatio);
    if (best === undefined || residual < best.residual) best = { residual, index, ratio: afterRatio };
  }
  const chosen = best!;
  const after = usable.slice(chosen.index);
  const explained = after.reduce((sum, [, day]) => sum + (day.recorded - day.billed), 0n);
  return { ratio: chosen.ratio, fromDay: usable[chosen.index]![0], explained };
}

function mismatch(provider: ReconcileProvider, model: string | null, billedRatio: number, fromDay: string, totalGap: bigint, explained: bigint): PriceMismatch {
  const share = totalGap === 0n ? 0 : Math.min(1, Math.max(0, ratio(explained, totalGap)));
  const who = model === null ? provider : `${provider}/${model}`;
  const percent = Math.round((1 - billedRatio) * 10_000) / 100;
  const gapUsd = formatPicodollarsExact(explained);
  if (billedRatio < 1) {
    const discount = { provider, ...(model === null ? {} : { model }), percent, effective_from: fromDay };
    return {
      model,
      ratio: billedRatio,
      from_day: fromDay,
      gap_usd: gapUsd,
      explains_share: share,
      suggestion: { discounts: [discount] },
      summary: `${who} discount ${percent}% from ${fromDay} explains ${Math.round(share * 100)}% of the gap`,
    };
  }
  const rise = Math.round((billedRatio - 1) * 10_000) / 100;
  return {
    model,
    ratio: billedRatio,
    from_day: fromDay,
    gap_usd: gapUsd,
    explains_share: share,
    suggestion: { note: `billed ${rise}% above unitcost's price from ${fromDay}: add a dated price point for ${who} (prices: in the config), or run \`unitcost catalog update\`` },
    summary: `${who} billed ${rise}% above unitcost's price from ${fromDay}, which explains ${Math.round(share * 100)}% of the gap`,
  };
}

function ratio(numerator: bigint, denominator: bigint): number {
  if (denominator === 0n) return 0;
  // Six decimals survive the integer division; more would be noise in a share of a bill.
  return Number((numerator * 1_000_000n) / denominator) / 1_000_000;
}

function summarize(result: Reconciliation): string {
  const parts: string[] = [];
  if (result.totals.coverage !== null) {
    parts.push(`unitcost saw ${(result.totals.coverage * 100).toFixed(1)}% of ${result.provider}'s $${Number(result.totals.billed_usd).toFixed(2)} bill from ${result.from} to ${result.to}`);
    if (Number(result.totals.untracked_usd) > 0) parts.push(`$${Number(result.totals.untracked_usd).toFixed(2)} was spent by calls unitcost never recorded`);
  } else {
    parts.push(`unitcost recorded ${(result.totals.token_coverage * 100).toFixed(1)}% of the tokens ${result.provider} reported from ${result.from} to ${result.to} (no cost report given: dollars not compared)`);
  }
  for (const mismatch of result.price_mismatches) parts.push(mismatch.summary);
  return parts.join('; ');
}

/** One item to rank by spend, e.g. a request type (feature × model). */
export interface ParetoItem<Key> {
  key: Key;
  costPicodollars: bigint;
}

/** An item with its share of the spend and the running share up to and including it. */
export interface ParetoEntry<Key> extends ParetoItem<Key> {
  share: number;
  cumulativeShare: number;
  /** True for the items of the cut: the fewest, costliest items that together reach the target share. */
  inCut: boolean;
}

/** The ranking and where it crosses the target share. */
export interface ParetoView<Key> {
  /** The share of spend the cut must reach (0.8 for the 80/20 view). */
  targetShare: number;
  entries: Array<ParetoEntry<Key>>;
  /** How many of the items make the target share of spend. */
  cutSize: number;
  totalPicodollars: bigint;
}

/**
 * Ranks items by spend, costliest first (ties by key order as given), and marks the fewest that together
 * reach `targetShare` of the total. Items with no spend are ranked last and never in the cut.
 */
export function paretoCut<Key>(items: ReadonlyArray<ParetoItem<Key>>, targetShare = 0.8): ParetoView<Key> {
  const total = items.reduce((sum, item) => sum + item.costPicodollars, 0n);
  const ranked = items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => (a.item.costPicodollars === b.item.costPicodollars ? a.index - b.index : a.item.costPicodollars > b.item.costPicodollars ? -1 : 1));
  let running = 0n;
  let reached = false;
  let cutSize = 0;
  // Compare in integers: running ÷ total ≥ target ⇔ running × 10^6 ≥ target × 10^6 × total.
  const targetMillionths = BigInt(Math.round(targetShare * 1_000_000));
  const entries = ranked.map(({ item }) => {
    running += item.costPicodollars;
    const inCut = !reached && total > 0n && item.costPicodollars > 0n;
    if (inCut) {
      cutSize += 1;
      if (running * 1_000_000n >= targetMillionths * total) reached = true;
    }
    return {
      ...item,
      share: total > 0n ? Number((item.costPicodollars * 1_000_000_000n) / total) / 1_000_000_000 : 0,
      cumulativeShare: total > 0n ? Number((running * 1_000_000_000n) / total) / 1_000_000_000 : 0,
      inCut,
    };
  });
  return { targetShare, entries, cutSize, totalPicodollars: total };
}

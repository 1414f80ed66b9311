import type { AllocationRule } from './statement-config.js';

/** A group that can receive shared cost, with its direct cost in picodollars. */
export interface AllocationGroup {
  group: string;
  directPicodollars: bigint;
}

/** Where the shared cost went: an amount per group (in the order given), summing exactly to the shared cost. */
export interface SharedAllocation {
  shares: Map<string, bigint>;
  /** Shared cost no group could take (no group to give it to, or fixed shares naming none of the groups). */
  unallocatedPicodollars: bigint;
}

// Fixed shares are decimals of at most nine places in practice; as integer weights they divide exactly.
const fixedShareScale = 1_000_000_000;

/**
 * Splits shared picodollars among groups by the rule, exactly: each group gets the floor of its weighted
 * share, and the picodollars left by rounding go one each to the groups with the largest remainders
 * (ties to the group named first in sort order), so the shares sum to the shared cost to the picodollar.
 *   proportional: weight = direct cost (all groups even when none has any);
 *   even: every group the same;
 *   fixed: the configured share; a group not named gets nothing, and a named group without direct cost still gets its share.
 */
export function allocateSharedCost(sharedPicodollars: bigint, groups: readonly AllocationGroup[], rule: AllocationRule): SharedAllocation {
  const weighted = weightsOf(groups, rule);
  const totalWeight = weighted.reduce((sum, entry) => sum + entry.weight, 0n);
  if (totalWeight === 0n) {
    return { shares: new Map(weighted.map((entry) => [entry.group, 0n])), unallocatedPicodollars: sharedPicodollars };
  }
  // Negative amounts (an adjustment's delta) are split as their magnitude, so rounding treats both signs alike.
  const negative = sharedPicodollars < 0n;
  const amount = negative ? -sharedPicodollars : sharedPicodollars;
  const parts = weighted.map((entry) => ({ group: entry.group, floor: (amount * entry.weight) / totalWeight, remainder: (amount * entry.weight) % totalWeight }));
  let left = amount - parts.reduce((sum, part) => sum + part.floor, 0n);
  const byRemainder = [...parts].sort((a, b) => (a.remainder === b.remainder ? compareText(a.group, b.group) : a.remainder > b.remainder ? -1 : 1));
  const extra = new Set<string>();
  for (const part of byRemainder) {
    if (left === 0n) break;
    // Only a group with some weight can have a remainder; one without must not take a rounding picodollar.
    if (part.remainder === 0n) break;
    extra.add(part.group);
    left -= 1n;
  }
  const shares = new Map<string, bigint>();
  for (const part of parts) {
    const share = part.floor + (extra.has(part.group) ? 1n : 0n);
    shares.set(part.group, negative ? -share : share);
  }
  return { shares, unallocatedPicodollars: 0n };
}

function weightsOf(groups: readonly AllocationGroup[], rule: AllocationRule): Array<{ group: string; weight: bigint }> {
  if (rule === 'even') return groups.map((entry) => ({ group: entry.group, weight: 1n }));
  if (rule === 'proportional') {
    const anyDirect = groups.some((entry) => entry.directPicodollars > 0n);
    // With no direct cost anywhere there is nothing to be proportional to: even is the only fair reading.
    return groups.map((entry) => ({ group: entry.group, weight: anyDirect ? (entry.directPicodollars > 0n ? entry.directPicodollars : 0n) : 1n }));
  }
  return groups.map((entry) => ({ group: entry.group, weight: BigInt(Math.round((rule.fixed[entry.group] ?? 0) * fixedShareScale)) }));
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

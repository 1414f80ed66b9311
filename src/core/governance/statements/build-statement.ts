import { allocateSharedCost } from './allocate-shared-cost.js';
import type { StatementAllocation } from './statement-config.js';

/** One value of the grouping tag over the period, as the report gives it (null: calls without the tag). */
export interface StatementGroupFigures {
  group: string | null;
  calls: number;
  unpricedCalls: number;
  costPicodollars: bigint;
  /** Plan and record revenue attributed to the group by the report's own attribution. */
  revenuePicodollars: bigint;
}

/** One group's line: what it spent itself, its share of the shared cost, and what it earned. */
export interface StatementLine {
  group: string;
  calls: number;
  directPicodollars: bigint;
  sharedPicodollars: bigint;
  totalPicodollars: bigint;
  revenuePicodollars: bigint;
}

/** The cost no group owns: calls without the tag and the values configured as shared. */
export interface SharedPool {
  /** Where it came from: null for calls without the tag. */
  sources: Array<{ group: string | null; calls: number; costPicodollars: bigint; revenuePicodollars: bigint }>;
  picodollars: bigint;
  /** Left on no line: there was no group to give it to (or fixed shares named none of them). */
  unallocatedPicodollars: bigint;
}

/** A statement's figures for one period: lines that, with what stayed unallocated, add up to the store's total. */
export interface StatementFigures {
  lines: StatementLine[];
  shared: SharedPool;
  calls: number;
  unpricedCalls: number;
  /** Σ line totals + unallocated: the store's cost for the period, to the picodollar. */
  costPicodollars: bigint;
  revenuePicodollars: bigint;
}

/**
 * Splits the groups of a period into direct lines and the shared pool, and allocates the pool by the rule.
 * A group named by fixed shares gets a line even without calls of its own, since it owes its share.
 */
export function buildStatementFigures(groups: readonly StatementGroupFigures[], allocation: StatementAllocation): StatementFigures {
  const shared: SharedPool = { sources: [], picodollars: 0n, unallocatedPicodollars: 0n };
  const direct = new Map<string, StatementLine>();
  let calls = 0;
  let unpricedCalls = 0;
  let revenue = 0n;
  for (const figures of groups) {
    calls += figures.calls;
    unpricedCalls += figures.unpricedCalls;
    revenue += figures.revenuePicodollars;
    if (figures.group === null || allocation.shared.includes(figures.group)) {
      shared.sources.push({ group: figures.group, calls: figures.calls, costPicodollars: figures.costPicodollars, revenuePicodollars: figures.revenuePicodollars });
      shared.picodollars += figures.costPicodollars;
      continue;
    }
    const line = direct.get(figures.group) ?? emptyLine(figures.group);
    line.calls += figures.calls;
    line.directPicodollars += figures.costPicodollars;
    line.revenuePicodollars += figures.revenuePicodollars;
    direct.set(figures.group, line);
  }
  if (typeof allocation.rule !== 'string') {
    for (const group of Object.keys(allocation.rule.fixed)) if (!direct.has(group)) direct.set(group, emptyLine(group));
  }
  const lines = [...direct.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  const split = allocateSharedCost(
    shared.picodollars,
    lines.map((line) => ({ group: line.group, directPicodollars: line.directPicodollars })),
    allocation.rule,
  );
  for (const line of lines) {
    line.sharedPicodollars = split.shares.get(line.group) ?? 0n;
    line.totalPicodollars = line.directPicodollars + line.sharedPicodollars;
  }
  shared.unallocatedPicodollars = split.unallocatedPicodollars;
  shared.sources.sort((a, b) => (a.group === b.group ? 0 : a.group === null ? -1 : b.group === null ? 1 : a.group < b.group ? -1 : 1));
  const costPicodollars = lines.reduce((sum, line) => sum + line.totalPicodollars, 0n) + shared.unallocatedPicodollars;
  return { lines, shared, calls, unpricedCalls, costPicodollars, revenuePicodollars: revenue };
}

/** An adjustment: how much one group's line of a closed period moved since it was frozen, not yet carried on a statement. */
export interface AdjustmentLine {
  statementId: string;
  period: string;
  group: string;
  directPicodollars: bigint;
  sharedPicodollars: bigint;
  totalPicodollars: bigint;
  revenuePicodollars: bigint;
}

/** The part of a line an adjustment compares: amounts only. */
export type LineAmounts = Pick<StatementLine, 'group' | 'directPicodollars' | 'sharedPicodollars' | 'totalPicodollars' | 'revenuePicodollars'>;

/**
 * The adjustments a closed statement needs: live − frozen − already carried, per group, for every group whose
 * amounts differ (a group may be new, or gone). Subtracting what earlier statements carried means a change
 * is billed once, on the first statement closed after it.
 */
export function adjustmentLines(
  closed: { statementId: string; period: string },
  live: readonly LineAmounts[],
  frozen: readonly LineAmounts[],
  carried: readonly LineAmounts[],
): AdjustmentLine[] {
  const deltas = new Map<string, AdjustmentLine>();
  const add = (line: LineAmounts, sign: 1n | -1n) => {
    const delta = deltas.get(line.group) ?? { statementId: closed.statementId, period: closed.period, group: line.group, directPicodollars: 0n, sharedPicodollars: 0n, totalPicodollars: 0n, revenuePicodollars: 0n };
    delta.directPicodollars += sign * line.directPicodollars;
    delta.sharedPicodollars += sign * line.sharedPicodollars;
    delta.totalPicodollars += sign * line.totalPicodollars;
    delta.revenuePicodollars += sign * line.revenuePicodollars;
    deltas.set(line.group, delta);
  };
  for (const line of live) add(line, 1n);
  for (const line of frozen) add(line, -1n);
  for (const line of carried) add(line, -1n);
  return [...deltas.values()]
    .filter((delta) => delta.directPicodollars !== 0n || delta.sharedPicodollars !== 0n || delta.totalPicodollars !== 0n || delta.revenuePicodollars !== 0n)
    .sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
}

function emptyLine(group: string): StatementLine {
  return { group, calls: 0, directPicodollars: 0n, sharedPicodollars: 0n, totalPicodollars: 0n, revenuePicodollars: 0n };
}

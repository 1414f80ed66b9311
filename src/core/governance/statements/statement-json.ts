import { formatPicodollarsExact, picodollarsToUsd } from '../../cost/picodollars.js';
import { inferenceMargin } from '../../kpi/unit-ratios.js';
import type { AdjustmentLine, StatementFigures } from './build-statement.js';
import type { StatementAllocation } from './statement-config.js';
import type { StatementPeriod } from './statement-period.js';

/** Where a line stands when no group could take the shared cost: named so, on no group's statement. */
export const unallocatedGroup = '(unallocated)';

/** An amount as figures read it (dollars) and as they add up (an exact decimal string of the picodollars). */
export interface Amount {
  usd: number;
  exact: string;
}

/** One line of the JSON: a group's direct cost, its share of the shared cost, their total, revenue and margin. */
export interface StatementLineJson {
  group: string;
  calls: number;
  direct: Amount;
  shared: Amount;
  total: Amount;
  /** Null when revenue is not tracked (no plans, no revenue records). */
  revenue: Amount | null;
  /** (revenue − total) ÷ revenue; null without revenue. */
  margin: number | null;
}

/** A closed period's change since it was frozen, for one group. */
export interface AdjustmentJson {
  statement_id: string;
  period: string;
  group: string;
  direct: Amount;
  shared: Amount;
  total: Amount;
  revenue: Amount | null;
}

/** A closed period of the grouping tag, as showback lists them. */
export interface ClosedPeriodJson {
  statement_id: string;
  period: string;
  from: string;
  to: string;
  closed_at: string;
  /** Whether the stored calls or revenue of the period changed since it was closed (its fingerprint differs). */
  changed_since_close: boolean;
}

/** The JSON of `unitcost statement --format json` (and of GET /v1/statements). */
export interface StatementJson {
  mode: 'showback' | 'chargeback';
  /** Null for showback: live numbers are frozen under no id. */
  statement_id: string | null;
  period: string;
  from: string;
  to: string;
  by: string;
  allocation: StatementAllocation;
  /** For chargeback, when the period was closed; the figures are those frozen then. */
  closed_at: string | null;
  /** For chargeback, a digest of the calls and revenue records the period held when it was closed. */
  fingerprint: string | null;
  revenue_tracked: boolean;
  calls: number;
  unpriced_calls: number;
  lines: StatementLineJson[];
  shared: {
    total: Amount;
    unallocated: Amount;
    sources: Array<{ group: string | null; calls: number; cost: Amount; revenue: Amount | null }>;
  };
  /** Σ lines + unallocated: the store's cost of the period. */
  total: Amount;
  revenue: Amount | null;
  /** Chargeback: carried on this statement; showback: pending, for the next chargeback statement. */
  adjustments: AdjustmentJson[];
  adjustments_total: Amount;
  /** The period's total plus the adjustments: what this statement charges. */
  due: Amount;
  closed_periods: ClosedPeriodJson[];
}

/** What a statement is, beside its figures. */
export interface StatementHeader {
  mode: 'showback' | 'chargeback';
  statementId: string | null;
  period: StatementPeriod;
  by: string;
  allocation: StatementAllocation;
  closedAt: string | null;
  fingerprint: string | null;
  revenueTracked: boolean;
}

/** The JSON of a statement from its header, figures, adjustments and the closed periods of its tag. */
export function statementJson(header: StatementHeader, figures: StatementFigures, adjustments: readonly AdjustmentLine[], closedPeriods: ClosedPeriodJson[]): StatementJson {
  const revenue = (picodollars: bigint): Amount | null => (header.revenueTracked ? amount(picodollars) : null);
  const adjustmentsTotal = adjustments.reduce((sum, line) => sum + line.totalPicodollars, 0n);
  return {
    mode: header.mode,
    statement_id: header.statementId,
    period: header.period.label,
    from: header.period.from,
    to: header.period.to,
    by: header.by,
    allocation: header.allocation,
    closed_at: header.closedAt,
    fingerprint: header.fingerprint,
    revenue_tracked: header.revenueTracked,
    calls: figures.calls,
    unpriced_calls: figures.unpricedCalls,
    lines: figures.lines.map((line) => ({
      group: line.group,
      calls: line.calls,
      direct: amount(line.directPicodollars),
      shared: amount(line.sharedPicodollars),
      total: amount(line.totalPicodollars),
      revenue: revenue(line.revenuePicodollars),
      margin: header.revenueTracked ? inferenceMargin(line.revenuePicodollars, line.totalPicodollars) : null,
    })),
    shared: {
      total: amount(figures.shared.picodollars),
      unallocated: amount(figures.shared.unallocatedPicodollars),
      sources: figures.shared.sources.map((source) => ({ group: source.group, calls: source.calls, cost: amount(source.costPicodollars), revenue: revenue(source.revenuePicodollars) })),
    },
    total: amount(figures.costPicodollars),
    revenue: revenue(figures.revenuePicodollars),
    adjustments: adjustments.map((line) => ({
      statement_id: line.statementId,
      period: line.period,
      group: line.group,
      direct: amount(line.directPicodollars),
      shared: amount(line.sharedPicodollars),
      total: amount(line.totalPicodollars),
      revenue: revenue(line.revenuePicodollars),
    })),
    adjustments_total: amount(adjustmentsTotal),
    due: amount(figures.costPicodollars + adjustmentsTotal),
    closed_periods: closedPeriods,
  };
}

/** An exact amount of picodollars, in dollars for reading and as an exact decimal for adding. */
export function amount(picodollars: bigint): Amount {
  return { usd: picodollarsToUsd(picodollars), exact: formatPicodollarsExact(picodollars) };
}

/** The picodollars of an exact decimal dollar string ("12.3456", "-0.000000000001"): how a reader adds a statement up. */
export function exactPicodollars(exact: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(exact);
  if (!match) throw new RangeError(`not an exact dollar amount: "${exact}"`);
  const value = BigInt(match[2]!) * 1_000_000_000_000n + BigInt((match[3] ?? '').padEnd(12, '0'));
  return match[1] === '-' ? -value : value;
}

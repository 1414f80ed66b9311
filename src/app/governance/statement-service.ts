import { createHash } from 'node:crypto';
import { adjustmentLines, buildStatementFigures, type AdjustmentLine, type LineAmounts, type StatementFigures } from '../../core/governance/statements/build-statement.js';
import { allocationFor, statementAllocationSchema, type StatementAllocation } from '../../core/governance/statements/statement-config.js';
import { statementJson, unallocatedGroup, type ClosedPeriodJson, type StatementJson } from '../../core/governance/statements/statement-json.js';
import { parseStatementPeriod, periodsOverlap, type StatementPeriod } from '../../core/governance/statements/statement-period.js';
import { reportDimensions, type ReportDimension } from '../../core/kpi/report-aggregates.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { ReportReader } from '../../store/report-reader.js';
import type { StatementLedger, StoredStatement, StoredStatementLine } from '../../store/statement-ledger.js';
import type { App } from '../create-app.js';
import { missingStoreFile, openStore } from '../open-store.js';
import { reportSettings } from '../report-service.js';

/** The flags of `unitcost statement` (and GET /v1/statements), as typed. */
export interface StatementFlags {
  /** A month (2026-11) or an ISO week (2026-W47); or from and to (days, to being the first day after). */
  period?: string;
  from?: string;
  to?: string;
  /** The tag to group by; default team. */
  by?: string;
  /** showback (default): live numbers; chargeback: close the period and freeze them. */
  mode?: string;
}

/** What a statement reads and writes: the report reader for live figures, the ledger for closed periods. */
export type StatementStore = ReportReader & StatementLedger;

const modes = ['showback', 'chargeback'] as const;

/**
 * A statement over a store: showback computes live figures; chargeback shows the frozen statement of a closed
 * period, or closes the period (when it has ended and overlaps no closed one) with the adjustments of the
 * closed periods that changed since they were frozen. `allowClose: false` (a read-only surface) refuses to close.
 */
export async function statementOver(app: App, store: StatementStore, flags: StatementFlags, options: { allowClose?: boolean } = {}): Promise<StatementJson> {
  const by = groupingOf(flags.by);
  const mode = modeOf(flags.mode);
  const period = parseStatementPeriod(flags);
  const allocation = allocationFor(app.config.statements, by);
  const closed = await store.closedStatements(by);
  const statementId = `${by}-${period.label}`;

  if (mode === 'showback') {
    const live = await liveFigures(app, store, by, period, allocation);
    const pending = await pendingAdjustments(app, store, by, closed);
    return statementJson(
      { mode, statementId: null, period, by, allocation, closedAt: null, fingerprint: null, revenueTracked: live.revenueTracked },
      live.figures,
      pending,
      await closedPeriodsJson(store, closed),
    );
  }

  const same = closed.find((statement) => statement.from === period.from && statement.to === period.to);
  if (same !== undefined) return frozenStatement(store, same, closed);
  const overlapping = closed.find((statement) => periodsOverlap(statement, period));
  if (overlapping !== undefined) throw overlapError(period, overlapping);
  if (Date.parse(`${period.to}T00:00:00Z`) > app.now().getTime()) {
    throw new UnitcostError(
      'invalid_argument',
      `${period.label} has not ended (it ends at ${period.to}T00:00:00Z): chargeback closes a period once it is over, so that its calls are in; use --mode showback for live numbers`,
      { field: 'period' },
    );
  }
  if (options.allowClose === false) {
    throw new UnitcostError('invalid_argument', `${period.label} by ${by} is not closed, and the server does not close periods: stop \`unitcost serve\`, then run \`unitcost statement --mode chargeback\` on the store file`, { field: 'mode' });
  }
  const live = await liveFigures(app, store, by, period, allocation);
  const adjustments = await pendingAdjustments(app, store, by, closed);
  const fingerprint = await fingerprintOf(store, period);
  const closedAt = app.now().toISOString();
  const stored: StoredStatement = {
    statementId,
    period: period.label,
    from: period.from,
    to: period.to,
    groupBy: by,
    allocation: JSON.stringify(allocation),
    fingerprint,
    calls: live.figures.calls,
    unpricedCalls: live.figures.unpricedCalls,
    revenueTracked: live.revenueTracked,
    totalPicodollars: live.figures.costPicodollars,
    closedAt,
  };
  const outcome = await store.closeStatement(stored, storedLines(live.figures, adjustments, live.revenueTracked));
  // Another process may have closed an overlapping period since closedStatements was read: the ledger checked again.
  if (!outcome.closed) throw overlapError(period, outcome.overlapping);
  // The fingerprint was taken just now, in this process: no need to scan the period again to say it is unchanged.
  const all = [...closed, stored].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  return frozenStatement(store, stored, all, new Map([[statementId, fingerprint]]));
}

/** `unitcost statement` on the store file itself. */
export async function runStatement(app: App, flags: StatementFlags & { db?: string }): Promise<StatementJson> {
  const db = flags.db === undefined ? {} : { db: flags.db };
  const path = missingStoreFile(app, db);
  // A statement of a file that does not exist would create an empty store and bill nothing: say so instead.
  if (path !== null) {
    throw new UnitcostError('not_found', `no store at ${path}: run \`unitcost ingest FILE\` or \`unitcost demo\` first, or name one with --db`, { field: 'db' });
  }
  const store = await openStore(app, db);
  try {
    return await statementOver(app, store, flags);
  } finally {
    await store.close();
  }
}

interface LiveFigures {
  figures: StatementFigures;
  revenueTracked: boolean;
}

/** The live figures of a period: the report by the tag (its cost and its revenue attribution), allocated. */
async function liveFigures(app: App, store: StatementStore, by: ReportDimension, period: StatementPeriod, allocation: StatementAllocation): Promise<LiveFigures> {
  const { revenue, tiers } = reportSettings(app.config);
  const report = await store.report({ groupBy: [by], period: null, from: period.from, to: period.to, where: [], revenue, tiers });
  const figures = buildStatementFigures(
    report.rows.map((row) => ({
      group: row.keys[by] ?? null,
      calls: row.current.calls,
      unpricedCalls: row.current.unpricedCalls,
      costPicodollars: row.current.costPicodollars.total,
      revenuePicodollars: row.current.planRevenuePicodollars + row.current.recordRevenuePicodollars,
    })),
    allocation,
  );
  // The lines are the report's groups; its totals are summed separately by the store. They must agree to the picodollar.
  const storeTotal = report.totals.current.costPicodollars.total;
  if (figures.costPicodollars !== storeTotal) {
    throw new UnitcostError('internal', `the statement of ${period.label} by ${by} adds up to ${figures.costPicodollars} picodollars, the store's total is ${storeTotal}`);
  }
  return { figures, revenueTracked: report.revenueTracked };
}

/** For every closed period of the tag: live (under its own allocation) − frozen − already carried, per group. */
async function pendingAdjustments(app: App, store: StatementStore, by: ReportDimension, closed: readonly StoredStatement[]): Promise<AdjustmentLine[]> {
  const adjustments: AdjustmentLine[] = [];
  for (const statement of closed) {
    const allocation = statementAllocationSchema.parse(JSON.parse(statement.allocation));
    const period = { label: statement.period, from: statement.from, to: statement.to };
    const live = await liveFigures(app, store, by, period, allocation);
    const frozenLines = await store.statementLines(statement.statementId);
    const frozen = amountsOf(frozenLines.filter((line) => line.kind === 'group'));
    const frozenAllocated = frozen.reduce((sum, line) => sum + line.totalPicodollars, 0n);
    if (statement.totalPicodollars !== frozenAllocated) frozen.push(unallocatedLine(statement.totalPicodollars - frozenAllocated));
    const liveLines: LineAmounts[] = [...live.figures.lines];
    if (live.figures.shared.unallocatedPicodollars !== 0n) liveLines.push(unallocatedLine(live.figures.shared.unallocatedPicodollars));
    const carried = amountsOf(await store.carriedAdjustments(statement.statementId));
    adjustments.push(...adjustmentLines({ statementId: statement.statementId, period: statement.period }, liveLines, frozen, carried));
  }
  return adjustments;
}

/** A closed statement as it was frozen: its lines, shared sources and carried adjustments, read back. */
async function frozenStatement(store: StatementStore, statement: StoredStatement, closed: readonly StoredStatement[], current = new Map<string, string>()): Promise<StatementJson> {
  const lines = await store.statementLines(statement.statementId);
  const groups = lines.filter((line) => line.kind === 'group');
  const shared = lines.filter((line) => line.kind === 'shared');
  const allocated = groups.reduce((sum, line) => sum + line.totalPicodollars, 0n);
  const figures: StatementFigures = {
    lines: groups.map((line) => ({
      group: line.group ?? '',
      calls: line.calls,
      directPicodollars: line.directPicodollars,
      sharedPicodollars: line.sharedPicodollars,
      totalPicodollars: line.totalPicodollars,
      revenuePicodollars: line.revenuePicodollars ?? 0n,
    })),
    shared: {
      sources: shared.map((line) => ({ group: line.group, calls: line.calls, costPicodollars: line.directPicodollars, revenuePicodollars: line.revenuePicodollars ?? 0n })),
      picodollars: shared.reduce((sum, line) => sum + line.directPicodollars, 0n),
      unallocatedPicodollars: statement.totalPicodollars - allocated,
    },
    calls: statement.calls,
    unpricedCalls: statement.unpricedCalls,
    costPicodollars: statement.totalPicodollars,
    revenuePicodollars: [...groups, ...shared].reduce((sum, line) => sum + (line.revenuePicodollars ?? 0n), 0n),
  };
  const adjustments = lines
    .filter((line) => line.kind === 'adjustment')
    .map((line) => ({
      statementId: line.adjustsStatementId ?? '',
      period: line.adjustsPeriod ?? '',
      group: line.group ?? '',
      directPicodollars: line.directPicodollars,
      sharedPicodollars: line.sharedPicodollars,
      totalPicodollars: line.totalPicodollars,
      revenuePicodollars: line.revenuePicodollars ?? 0n,
    }));
  const allocation = statementAllocationSchema.parse(JSON.parse(statement.allocation));
  return statementJson(
    {
      mode: 'chargeback',
      statementId: statement.statementId,
      period: { label: statement.period, from: statement.from, to: statement.to },
      by: statement.groupBy,
      allocation,
      closedAt: statement.closedAt,
      fingerprint: statement.fingerprint,
      revenueTracked: statement.revenueTracked,
    },
    figures,
    adjustments,
    await closedPeriodsJson(store, closed, current),
  );
}

function storedLines(figures: StatementFigures, adjustments: readonly AdjustmentLine[], revenueTracked: boolean): StoredStatementLine[] {
  const revenue = (picodollars: bigint) => (revenueTracked ? picodollars : null);
  return [
    ...figures.lines.map((line) => ({
      kind: 'group' as const,
      group: line.group,
      adjustsStatementId: null,
      adjustsPeriod: null,
      calls: line.calls,
      directPicodollars: line.directPicodollars,
      sharedPicodollars: line.sharedPicodollars,
      totalPicodollars: line.totalPicodollars,
      revenuePicodollars: revenue(line.revenuePicodollars),
    })),
    // A shared source's cost is its own direct cost; it is allocated to the groups above, so its total is 0.
    ...figures.shared.sources.map((source) => ({
      kind: 'shared' as const,
      group: source.group,
      adjustsStatementId: null,
      adjustsPeriod: null,
      calls: source.calls,
      directPicodollars: source.costPicodollars,
      sharedPicodollars: 0n,
      totalPicodollars: 0n,
      revenuePicodollars: revenue(source.revenuePicodollars),
    })),
    ...adjustments.map((line) => ({
      kind: 'adjustment' as const,
      group: line.group,
      adjustsStatementId: line.statementId,
      adjustsPeriod: line.period,
      calls: 0,
      directPicodollars: line.directPicodollars,
      sharedPicodollars: line.sharedPicodollars,
      totalPicodollars: line.totalPicodollars,
      revenuePicodollars: revenue(line.revenuePicodollars),
    })),
  ];
}

/** The closed periods of the tag; `current` holds fingerprints already taken of the live data, by statement id. */
async function closedPeriodsJson(store: StatementStore, closed: readonly StoredStatement[], current = new Map<string, string>()): Promise<ClosedPeriodJson[]> {
  const periods: ClosedPeriodJson[] = [];
  for (const statement of closed) {
    periods.push({
      statement_id: statement.statementId,
      period: statement.period,
      from: statement.from,
      to: statement.to,
      closed_at: statement.closedAt,
      changed_since_close: (current.get(statement.statementId) ?? (await fingerprintOf(store, statement))) !== statement.fingerprint,
    });
  }
  return periods;
}

/** A digest of what the period held: its calls (by content), their exact cost, its revenue records. */
async function fingerprintOf(store: StatementStore, period: { from: string; to: string }): Promise<string> {
  const contents = await store.periodContents(period);
  const canonical = [contents.usageEvents, contents.pricedEvents, contents.usageDigest, contents.costPicodollars, contents.revenueRecords, contents.revenueDigest].join(':');
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

function amountsOf(lines: readonly StoredStatementLine[]): LineAmounts[] {
  return lines.map((line) => ({
    group: line.group ?? '',
    directPicodollars: line.directPicodollars,
    sharedPicodollars: line.sharedPicodollars,
    totalPicodollars: line.totalPicodollars,
    revenuePicodollars: line.revenuePicodollars ?? 0n,
  }));
}

function unallocatedLine(picodollars: bigint): LineAmounts {
  return { group: unallocatedGroup, directPicodollars: 0n, sharedPicodollars: picodollars, totalPicodollars: picodollars, revenuePicodollars: 0n };
}

function overlapError(period: StatementPeriod, overlapping: StoredStatement): UnitcostError {
  return new UnitcostError(
    'invalid_argument',
    `cannot close ${period.label} (${period.from} to ${period.to}) by ${overlapping.groupBy}: it overlaps ${overlapping.period} (${overlapping.from} to ${overlapping.to}), closed as ${overlapping.statementId} on ${overlapping.closedAt}; chargeback periods of one tag must not share days`,
    { field: 'period' },
  );
}

function groupingOf(by: string | undefined): ReportDimension {
  const value = (by ?? 'team').trim();
  if (!(reportDimensions as readonly string[]).includes(value)) {
    throw new UnitcostError('invalid_argument', `--by must be one tag a statement can group by: ${reportDimensions.join(', ')}; got "${value}"`, { field: 'by' });
  }
  return value as ReportDimension;
}

function modeOf(mode: string | undefined): (typeof modes)[number] {
  const value = mode ?? 'showback';
  if (!(modes as readonly string[]).includes(value)) throw new UnitcostError('invalid_argument', `--mode must be showback (live numbers) or chargeback (close the period and freeze it), got "${value}"`, { field: 'mode' });
  return value as (typeof modes)[number];
}

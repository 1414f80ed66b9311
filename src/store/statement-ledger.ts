/** A closed (chargeback) statement as stored: its period, grouping and allocation, frozen when it was closed. */
export interface StoredStatement {
  statementId: string;
  period: string;
  /** Whole UTC days [from, to). */
  from: string;
  to: string;
  groupBy: string;
  /** The allocation in force when it was closed (JSON), so later adjustments compare like with like. */
  allocation: string;
  fingerprint: string;
  calls: number;
  unpricedCalls: number;
  revenueTracked: boolean;
  /** Σ of its group lines plus what stayed unallocated: the store's cost of the period when it was closed. */
  totalPicodollars: bigint;
  /** ISO instant. */
  closedAt: string;
}

/** One frozen line: a group's amounts for the statement's period, a source of its shared cost, or an adjustment of an earlier closed period. */
export interface StoredStatementLine {
  kind: 'group' | 'shared' | 'adjustment';
  /** Null only for the shared cost of calls without the tag. */
  group: string | null;
  /** For an adjustment: the closed statement and period it adjusts. */
  adjustsStatementId: string | null;
  adjustsPeriod: string | null;
  calls: number;
  directPicodollars: bigint;
  sharedPicodollars: bigint;
  totalPicodollars: bigint;
  /** Null when revenue was not tracked. */
  revenuePicodollars: bigint | null;
}

/** What the stored calls and revenue records of a span of days are, to tell later whether they changed. */
export interface PeriodContents {
  usageEvents: number;
  /** XOR of a stable hash (63 bits of MD5) of each call's content hash: any call added, removed or replaced changes it. */
  usageDigest: bigint;
  /** Σ cost of the priced calls: a repricing changes it. */
  costPicodollars: bigint;
  pricedEvents: number;
  revenueRecords: number;
  revenueDigest: bigint;
}

/** Why a statement could not be closed: another closed period of the same tag shares days with it. */
export interface CloseConflict {
  closed: false;
  overlapping: StoredStatement;
}

/** The chargeback side of a store: closed periods, frozen once, read back as they were. */
export interface StatementLedger {
  /** Every closed statement grouped by this tag, oldest period first. */
  closedStatements(groupBy: string): Promise<StoredStatement[]>;
  /** Every closed statement of every tag, oldest period first: what `unitcost store copy` carries over. */
  allClosedStatements(): Promise<StoredStatement[]>;
  /** The frozen lines of a closed statement, in their order. */
  statementLines(statementId: string): Promise<StoredStatementLine[]>;
  /** The adjustment lines already carried (on any statement) for a closed statement. */
  carriedAdjustments(adjustedStatementId: string): Promise<StoredStatementLine[]>;
  /**
   * Freezes a statement and its lines, unless a closed statement of the same tag overlaps its days: then nothing
   * is written and the overlapping one is returned. DuckDB checks and writes in one transaction; ClickHouse, which
   * has none, writes the lines, then the header that makes them visible, then checks again
   * (clickhouse-statement-ledger.ts).
   */
  closeStatement(statement: StoredStatement, lines: StoredStatementLine[]): Promise<{ closed: true } | CloseConflict>;
  /** The stored contents of the days [from, to), for a statement's fingerprint. */
  periodContents(range: { from: string; to: string }): Promise<PeriodContents>;
}

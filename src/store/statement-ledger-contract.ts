import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StoredStatement, StoredStatementLine } from './statement-ledger.js';
import type { Store } from './store.js';
import { usageRow } from './store-contract.js';

/*
 * What every backend's statement ledger owes chargeback (docs/statements.md), as one suite beside the store
 * contract: a backend's test file calls describeStatementLedgerContract with a function opening an empty store.
 */

// Past 2^63 picodollars ($9.2M): a large company's month fits in no 64-bit integer, and must read back exactly.
const large = 12_345_678_901_234_567_890_123n;

function statement(overrides: Partial<StoredStatement> = {}): StoredStatement {
  return {
    statementId: 'team-2026-11',
    period: '2026-11',
    from: '2026-11-01',
    to: '2026-12-01',
    groupBy: 'team',
    allocation: '{"shared":[],"rule":"proportional"}',
    fingerprint: 'sha256:0',
    calls: 3,
    unpricedCalls: 1,
    revenueTracked: true,
    totalPicodollars: large + 7n,
    closedAt: '2026-12-02T09:30:00.125Z',
    ...overrides,
  };
}

function line(overrides: Partial<StoredStatementLine> = {}): StoredStatementLine {
  return {
    kind: 'group',
    group: 'a',
    adjustsStatementId: null,
    adjustsPeriod: null,
    calls: 2,
    directPicodollars: large,
    sharedPicodollars: 5n,
    totalPicodollars: large + 5n,
    revenuePicodollars: null,
    ...overrides,
  };
}

/** Runs the statement ledger contract against a backend; openStore must return a new, empty store each time. */
export function describeStatementLedgerContract(name: string, openStore: () => Promise<Store>): void {
  describe(`${name} statement ledger contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('reads a closed statement and its lines back exactly, amounts past 64 bits and the untagged source included', async () => {
      const lines = [
        line(),
        line({ kind: 'shared', group: null, calls: 1, directPicodollars: 7n, sharedPicodollars: 0n, totalPicodollars: 0n, revenuePicodollars: -3n }),
        line({ kind: 'adjustment', group: 'b', adjustsStatementId: 'team-2026-10', adjustsPeriod: '2026-10', calls: 0, directPicodollars: -large, totalPicodollars: -large + 5n }),
      ];
      expect(await store.closeStatement(statement(), lines)).toEqual({ closed: true });
      expect(await store.closedStatements('team')).toEqual([statement()]);
      expect(await store.statementLines('team-2026-11')).toEqual(lines);
      expect(await store.carriedAdjustments('team-2026-10')).toEqual([lines[2]]);
      expect(await store.closedStatements('feature')).toEqual([]);
    });

    it('refuses a period overlapping a closed one of the same tag, writing nothing, and lets another tag close it', async () => {
      await store.closeStatement(statement(), [line()]);
      const week = statement({ statementId: 'team-2026-W48', period: '2026-W48', from: '2026-11-23', to: '2026-11-30' });
      expect(await store.closeStatement(week, [line()])).toEqual({ closed: false, overlapping: statement() });
      expect(await store.statementLines('team-2026-W48')).toEqual([]);
      expect(await store.closeStatement({ ...week, statementId: 'feature-2026-W48', groupBy: 'feature' }, [line()])).toEqual({ closed: true });
      // Touching ends do not overlap: the days are [from, to).
      expect(await store.closeStatement(statement({ statementId: 'team-2026-12', period: '2026-12', from: '2026-12-01', to: '2027-01-01' }), [])).toEqual({ closed: true });
      expect((await store.closedStatements('team')).map((closed) => closed.statementId)).toEqual(['team-2026-11', 'team-2026-12']);
      // Every tag at once, oldest period first: what `store copy` carries to another store.
      expect((await store.allClosedStatements()).map((closed) => closed.statementId)).toEqual(['team-2026-11', 'feature-2026-W48', 'team-2026-12']);
    });

    it('describes the contents of a period so that an added, removed or repriced call changes it, and a call outside does not', async () => {
      const november = { from: '2026-11-01', to: '2026-12-01' };
      const at = (day: string) => Date.parse(`${day}T12:00:00Z`);
      await store.appendUsage([usageRow({ id: 'n-1', contentHash: 'h-1', timestampMs: at('2026-11-03') }), usageRow({ id: 'n-2', contentHash: 'h-2', timestampMs: at('2026-11-30'), costTotal: null, pricedModel: null, priceId: null })]);
      const before = await store.periodContents(november);
      expect(before).toMatchObject({ usageEvents: 2, pricedEvents: 1, costPicodollars: 195_000_000n, revenueRecords: 0 });
      await store.appendUsage([usageRow({ id: 'd-1', contentHash: 'h-3', timestampMs: at('2026-12-01') })]);
      expect(await store.periodContents(november)).toEqual(before);
      await store.appendUsage([usageRow({ id: 'n-3', contentHash: 'h-4', timestampMs: at('2026-11-15') })]);
      const after = await store.periodContents(november);
      expect(after.usageEvents).toBe(3);
      expect(after.usageDigest).not.toBe(before.usageDigest);
    });
  });
}

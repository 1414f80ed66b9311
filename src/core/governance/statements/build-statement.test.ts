import { describe, expect, it } from 'vitest';
import { adjustmentLines, buildStatementFigures, type StatementGroupFigures } from './build-statement.js';

const group = (name: string | null, cost: bigint, revenue = 0n): StatementGroupFigures => ({ group: name, calls: 10, unpricedCalls: 0, costPicodollars: cost, revenuePicodollars: revenue });

describe('buildStatementFigures', () => {
  it('pools calls without the tag and the shared values, and allocates the pool so the lines add up to the total', () => {
    const figures = buildStatementFigures([group('a', 700n, 1_000n), group('b', 300n), group(null, 101n), group('platform', 99n, 5n)], { shared: ['platform'], rule: 'proportional' });
    expect(figures.shared.picodollars).toBe(200n);
    expect(figures.shared.sources.map((source) => source.group)).toEqual([null, 'platform']);
    expect(figures.lines).toEqual([
      { group: 'a', calls: 10, directPicodollars: 700n, sharedPicodollars: 140n, totalPicodollars: 840n, revenuePicodollars: 1_000n },
      { group: 'b', calls: 10, directPicodollars: 300n, sharedPicodollars: 60n, totalPicodollars: 360n, revenuePicodollars: 0n },
    ]);
    expect(figures.costPicodollars).toBe(1_200n);
    expect(figures.revenuePicodollars).toBe(1_005n);
    expect(figures.calls).toBe(40);
  });

  it('gives a group named by fixed shares a line even when it made no calls', () => {
    const figures = buildStatementFigures([group('a', 500n), group(null, 100n)], { shared: [], rule: { fixed: { a: 0.5, b: 0.5 } } });
    expect(figures.lines.map((line) => [line.group, line.directPicodollars, line.sharedPicodollars])).toEqual([
      ['a', 500n, 50n],
      ['b', 0n, 50n],
    ]);
  });

  it('keeps shared cost no group can take as unallocated, still in the total', () => {
    const figures = buildStatementFigures([group(null, 100n)], { shared: [], rule: 'even' });
    expect(figures.lines).toEqual([]);
    expect(figures.shared.unallocatedPicodollars).toBe(100n);
    expect(figures.costPicodollars).toBe(100n);
  });
});

describe('adjustmentLines', () => {
  const closed = { statementId: 'team-2026-10', period: '2026-10' };
  const line = (name: string, direct: bigint, shared: bigint) => ({ group: name, directPicodollars: direct, sharedPicodollars: shared, totalPicodollars: direct + shared, revenuePicodollars: 0n });

  it('is live − frozen per group, for the groups that moved, a new group included', () => {
    const adjustments = adjustmentLines(closed, [line('a', 120n, 10n), line('b', 50n, 5n), line('c', 7n, 0n)], [line('a', 100n, 10n), line('b', 50n, 5n)], []);
    expect(adjustments).toEqual([
      { ...closed, group: 'a', directPicodollars: 20n, sharedPicodollars: 0n, totalPicodollars: 20n, revenuePicodollars: 0n },
      { ...closed, group: 'c', directPicodollars: 7n, sharedPicodollars: 0n, totalPicodollars: 7n, revenuePicodollars: 0n },
    ]);
  });

  it('subtracts what earlier statements already carried, so a change is charged once', () => {
    const live = [line('a', 120n, 10n)];
    const frozen = [line('a', 100n, 10n)];
    expect(adjustmentLines(closed, live, frozen, [line('a', 20n, 0n)])).toEqual([]);
  });

  it('charges a group that vanished from the period its frozen amount back, negated', () => {
    expect(adjustmentLines(closed, [], [line('a', 100n, 10n)], [])[0]).toMatchObject({ group: 'a', totalPicodollars: -110n });
  });
});

import { describe, expect, it } from 'vitest';
import { buildStatementFigures } from './build-statement.js';
import { statementCsv, statementHtml } from './statement-documents.js';
import { exactPicodollars, statementJson } from './statement-json.js';

const allocation = { shared: [], rule: 'proportional' as const };
const header = { mode: 'showback' as const, statementId: null, period: { label: '2026-11', from: '2026-11-01', to: '2026-12-01' }, by: 'team', allocation, closedAt: null, fingerprint: null, revenueTracked: true };

function statementOf(groups: Array<[string | null, bigint]>) {
  const figures = buildStatementFigures(
    groups.map(([group, cost]) => ({ group, calls: 1, unpricedCalls: 0, costPicodollars: cost, revenuePicodollars: 0n })),
    allocation,
  );
  return statementJson(header, figures, [], []);
}

describe('statement documents', () => {
  it('writes exact dollars in CSV, so a spreadsheet adds the lines up to the total', () => {
    const csv = statementCsv(statementOf([['a', 1_000_000_000_001n], ['b', 3n], [null, 7n]]));
    const rows = csv.trim().split('\n').map((line) => line.split(','));
    const totalColumn = rows[0]!.indexOf('total_usd');
    const groups = rows.filter((row) => row[4] === 'group').map((row) => exactPicodollars(row[totalColumn]!));
    expect(groups.reduce((sum, value) => sum + value, 0n)).toBe(1_000_000_000_011n);
    expect(rows.at(-1)![totalColumn]).toBe('1.000000000011');
  });

  it('keeps a group named like a formula as text in CSV, and quotes commas', () => {
    const csv = statementCsv(statementOf([['=HYPERLINK("x")', 5n], ['a,b', 5n]]));
    expect(csv).toContain(`"'=HYPERLINK(""x"")"`);
    expect(csv).toContain('"a,b"');
  });

  it('escapes group names in the HTML page', () => {
    const html = statementHtml(statementOf([['<script>alert(1)</script>', 5n]]));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('exactPicodollars', () => {
  it('reads exact dollar strings back as picodollars, and refuses anything else', () => {
    expect(exactPicodollars('12.000000000001')).toBe(12_000_000_000_001n);
    expect(exactPicodollars('-0.5')).toBe(-500_000_000_000n);
    expect(() => exactPicodollars('1e-12')).toThrow('not an exact dollar amount');
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app/create-app.js';
import { runReport } from '../app/report-service.js';
import { reportJson, reportJsonPieces, type Report } from '../core/kpi/build-report.js';
import type { TestReportStore } from '../store/duckdb/report-test-store.js';
import { reportFixtureApp } from '../testing/report-fixture-app.js';

let store: TestReportStore;
let app: App;

beforeAll(async () => {
  ({ store, app } = await reportFixtureApp());
});
afterAll(() => store.dispose());

const whole = (report: Report): string => JSON.stringify(reportJson(report), null, 2);

describe('a report’s JSON written row by row', () => {
  it('is the text of the whole report’s JSON, byte for byte, for every shape and piece size', async () => {
    const shapes = [
      { by: ['feature'] },
      { by: ['feature', 'model'], period: 'week' },
      { by: ['user_id'], period: 'week', fields: 'calls,cost_usd,inference_margin' },
      { by: ['session_id'], where: ['feature=chat'] },
      // No call matches: the rows are an empty array.
      { by: ['user_id'], where: ['feature=no-such-feature'] },
    ];
    for (const options of shapes) {
      const report = await runReport(app, { ...options, db: store.path });
      for (const rowsPerPiece of [1, 2, 500]) expect([...reportJsonPieces(report, rowsPerPiece)].join('')).toBe(whole(report));
    }
  });

  it('keeps keys with quotes, line breaks and the text that stands for the rows', async () => {
    const report = await runReport(app, { by: ['feature'], db: store.path });
    const placeholderLike = '\u0000unitcost-report-rows\u0000';
    const odd: Report = {
      ...report,
      where: [{ dimension: 'feature', values: [placeholderLike, 'a "quoted"\nname'] }],
      rows: report.rows.map((row, index) => ({ ...row, keys: { ...row.keys, feature: index === 0 ? 'line\nbreak "and" \\ slash' : placeholderLike } })),
    };
    expect(odd.rows.length).toBeGreaterThan(1);
    expect([...reportJsonPieces(odd, 1)].join('')).toBe(whole(odd));
  });

  it('comes in pieces of the asked number of rows, so a large report is never one string', async () => {
    const report = await runReport(app, { by: ['user_id'], db: store.path });
    expect(report.rows.length).toBeGreaterThan(3);
    // The text before the rows, one piece per two rows (the last may hold one), the text after them.
    expect([...reportJsonPieces(report, 2)]).toHaveLength(2 + Math.ceil(report.rows.length / 2));
  });
});

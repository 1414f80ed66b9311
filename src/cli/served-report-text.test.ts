import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../app/create-app.js';
import { runKpis, runReport } from '../app/report-service.js';
import { reportJson } from '../core/kpi/build-report.js';
import { kpiDashboardJson } from '../core/kpi/kpi-dashboard.js';
import { kpiDashboardFromJson, reportFromJson } from '../core/kpi/report-from-json.js';
import type { TestReportStore } from '../store/duckdb/report-test-store.js';
import { reportFixtureApp } from '../testing/report-fixture-app.js';
import { kpisText } from './kpis-command.js';
import { reportCsv, reportText } from './report-command.js';

// A report asked of a running server comes back as JSON: read back, it must print as the one computed here.
const overTheWire = <T>(value: T): Record<string, unknown> => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

let store: TestReportStore;
let app: App;

beforeAll(async () => {
  ({ store, app } = await reportFixtureApp({ plans: { pro: { seat_price_usd_per_month: 20 }, free: { seat_price_usd_per_month: 0 } } }));
});
afterAll(() => store.dispose());

describe('a report read back from the server\'s JSON', () => {
  it('prints the same table and CSV as the report itself, grouped and by period', async () => {
    for (const options of [{ by: ['feature'] }, { by: ['feature', 'model'], period: 'week' }, { by: ['user_tier'], where: ['feature=chat'] }, { by: ['user_id'], period: 'week', fields: 'calls,cost_usd,inference_margin' }]) {
      const report = await runReport(app, { ...options, db: store.path });
      const readBack = reportFromJson(overTheWire(reportJson(report)));
      expect(reportText(readBack)).toBe(reportText(report));
      expect(reportCsv(readBack)).toBe(reportCsv(report));
      expect(reportJson(readBack)).toEqual(overTheWire(reportJson(report)));
    }
  });

  it('prints the same KPI dashboard', async () => {
    const dashboard = await runKpis(app, { period: 'week', db: store.path });
    const readBack = kpiDashboardFromJson(overTheWire(kpiDashboardJson(dashboard)));
    expect(kpisText(readBack)).toBe(kpisText(dashboard));
    expect(kpiDashboardJson(readBack)).toEqual(overTheWire(kpiDashboardJson(dashboard)));
  });
});

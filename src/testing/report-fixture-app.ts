import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApp, type App } from '../app/create-app.js';
import { fillReportFixture } from '../store/duckdb/report-fixture.js';
import { createTestReportStore, type TestReportStore } from '../store/duckdb/report-test-store.js';

/**
 * The report fixture's store, filled and closed, and an app over its directory at the fixture's "now"
 * (2026-03-10), with `config` written as its unitcost.config.json when given: what the CLI's report tests read.
 */
export async function reportFixtureApp(config?: Record<string, unknown>): Promise<{ store: TestReportStore; app: App }> {
  const store = await createTestReportStore();
  await fillReportFixture(store);
  store.close();
  if (config !== undefined) writeFileSync(join(store.directory, 'unitcost.config.json'), JSON.stringify(config));
  const app = createApp({ directory: store.directory, environment: {}, now: () => new Date('2026-03-10T00:00:00Z') });
  return { store, app };
}

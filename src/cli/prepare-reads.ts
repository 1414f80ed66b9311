import type { Store } from '../store/store.js';
import type { CliContext } from './cli-context.js';

/**
 * Once a command's writes are done, brings the store's derived read structures up to date (Store.prepareReads:
 * ClickHouse's report summaries), so that the next report, KPI or dashboard read finds them fresh instead of
 * paying for the refresh. The writes are already stored: a failure here is a warning, since the next read
 * refreshes them anyway.
 */
export async function prepareReadsAfterWrites(context: CliContext, store: Store): Promise<void> {
  try {
    await store.prepareReads();
  } catch (error) {
    context.io.stderr(`warning: the report summaries of ${store.location} were not refreshed (${error instanceof Error ? error.message : String(error)}); the next report or KPI read refreshes them\n`);
  }
}

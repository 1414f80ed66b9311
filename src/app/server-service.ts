import { hashContent } from '../ingest/hash-content.js';
import type { Store } from '../store/store.js';
import type { App } from './create-app.js';
import { defaultDemoEndMs, fillStoreWithDemo, type DemoStoreResult } from './demo-service.js';
import { RecordIngester } from './ingest-records.js';
import { loadApiKeys } from './key-service.js';
import { openStore } from './open-store.js';
import { SerialQueue } from './serial-queue.js';
import { kpisOver, reportOver } from './server-reports.js';
import type { ServerServices } from './server-types.js';

/**
 * Wires the services of `unitcost serve` over one open store. DuckDB allows one writer per file and a
 * connection runs one transaction at a time, so every write (event batches, key changes) goes through
 * one queue: concurrent clients are served in turn, each answered after its own commit.
 */
export async function openServerServices(
  app: App,
  options: { db?: string; demoWhenEmpty?: { events: number; days: number; onStart?: () => void } } = {},
): Promise<{ services: ServerServices; store: Store; demo: DemoStoreResult | null }> {
  const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
  try {
    let demo: DemoStoreResult | null = null;
    if (options.demoWhenEmpty && (await store.counts()).usageEvents === 0) {
      const { events, days, onStart } = options.demoWhenEmpty;
      onStart?.();
      demo = await fillStoreWithDemo(app, store, { events, days, seed: 1, endMs: defaultDemoEndMs(app.now()) });
    }
    const writes = new SerialQueue();
    const serialize = <T>(task: () => Promise<T>): Promise<T> => writes.run(task);
    const keys = await loadApiKeys(store, serialize);
    const ingester = new RecordIngester(store, serialize, { catalog: app.catalog, hashContent });
    const services: ServerServices = {
      app,
      keys,
      storeLocation: store.location,
      ingestBatch: (records, source) => ingester.ingest(records, { nowMs: app.now().getTime(), source }),
      ingestCounters: () => ({ ...ingester.counters }),
      // Reads share the writing connection (and refresh the report summaries), so they take their turn in the queue.
      report: (flags) => writes.run(() => reportOver(app, store, flags)),
      kpis: (flags) => writes.run(() => kpisOver(app, store, flags)),
      close: async () => {
        await writes.drain();
        await store.close();
      },
    };
    return { services, store, demo };
  } catch (error) {
    await store.close();
    throw error;
  }
}

import { resolve } from 'node:path';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';
import type { App } from './create-app.js';

/** Where the store lives when nothing says otherwise: a file in the working directory. */
export const defaultStorePath = 'unitcost.duckdb';

/** Which store to open: --db wins, then UNITCOST_DB or the config's db (merged by the config loader), then ./unitcost.duckdb. */
export function storePath(app: App, options: { db?: string } = {}): string {
  return resolve(options.db ?? app.config.db ?? defaultStorePath);
}

/**
 * DuckDB's buffer pool for streaming writes (ingest, reprice). Its default, 80% of the machine's memory,
 * suits reports over large stores; a stream needs only two staged batches and the rows awaiting the next
 * checkpoint (~100 MB measured), and a cap keeps the whole process near its 500 MB budget.
 */
export const streamingMemoryLimit = '256MB';

/** Opens the store the app is configured for: the only place that picks a backend. */
export async function openStore(app: App, options: { db?: string; memoryLimit?: string } = {}): Promise<Store> {
  return DuckdbStore.open(storePath(app, options), options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit });
}

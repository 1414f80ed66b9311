import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { UnitcostError } from '../core/unitcost-error.js';
import { isStoreInUse } from '../store/duckdb/duckdb-database.js';
import { hashContent } from '../ingest/hash-content.js';
import { loadLeftIntake } from './ingest/recovered-intake.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import type { Store } from '../store/store.js';
import type { StoreLocator } from '../config/store-config.js';
import type { App } from './create-app.js';
import { readServerDiscovery } from './server-discovery.js';

/** Where the store lives when nothing says otherwise: a file in the working directory. */
export const defaultStorePath = 'unitcost.duckdb';

/** Which store to open: --db wins, then UNITCOST_DB or the config's db (merged by the config loader), then ./unitcost.duckdb. */
export function storePath(app: App, options: { db?: string } = {}): string {
  return resolve(options.db ?? app.config.db ?? defaultStorePath);
}

/**
 * The DuckDB file openStore would create because it does not exist, or null when it exists or the store is a
 * ClickHouse database (which a server or an ingest may fill at any time). A command that only reads says so
 * rather than bill or report an empty store it just made.
 */
export function missingStoreFile(app: App, options: { db?: string } = {}): string | null {
  const path = storeFile(app, options);
  return path === null || existsSync(path) ? null : path;
}

/** Throws, naming the file and how to fill it, when a read-only command would create an empty DuckDB store. */
export function refuseMissingStore(app: App, options: { db?: string } = {}): void {
  const missing = missingStoreFile(app, options);
  if (missing !== null) {
    throw new UnitcostError('not_found', `no store at ${missing}: run \`unitcost ingest FILE\` or \`unitcost demo\` first, or name one with --db`, { field: 'db' });
  }
}

/** The DuckDB file openStore opens, or null when it opens the config's ClickHouse database. */
export function storeFile(app: App, options: { db?: string } = {}): string | null {
  return app.clickhouse !== undefined && options.db === undefined ? null : storePath(app, options);
}

/**
 * DuckDB's buffer pool for streaming writes (ingest, reprice). Its default, 80% of the machine's memory,
 * suits reports over large stores; a stream needs only two staged batches and the rows awaiting the next
 * checkpoint (~100 MB measured), and a cap keeps the whole process near its 500 MB budget.
 */
export const streamingMemoryLimit = '256MB';

// Loaded only to open a ClickHouse store: its client and its 14 modules took 20–30 ms of the start of every command
// on a DuckDB store (`unitcost simulate --help`, BENCHMARKS.md "Simulate", round 5).
const clickhouseStore = async () => (await import('../store/clickhouse/clickhouse-store.js')).ClickhouseStore;

/** Opens a store named on the command line (`store copy --from/--to`). */
export async function openStoreAt(locator: StoreLocator, options: { memoryLimit?: string } = {}): Promise<Store> {
  if (locator.backend === 'clickhouse') return (await clickhouseStore()).open(locator.settings);
  return DuckdbStore.open(resolve(locator.path), options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit });
}

/** Opens the store the app is configured for: the only place that picks a backend. */
export async function openStore(
  app: App,
  options: {
    db?: string;
    memoryLimit?: string;
    threads?: number;
    /** The store will take many small commits (serve, the gateway): a DuckDB store keeps its record keys in a filter in memory. */
    smallCommits?: boolean;
    /** Told what was loaded from an intake log a stopped server left beside the store (recovered-intake.ts). */
    onRecovered?: (message: string) => void;
  } = {},
): Promise<Store> {
  // --db names a DuckDB file, so it wins over the config's backend: it is how a ClickHouse user reads a local copy.
  if (app.clickhouse !== undefined && options.db === undefined) return (await clickhouseStore()).open(app.clickhouse());
  const path = storePath(app, options);
  let store: Store;
  try {
    store = await DuckdbStore.open(path, {
      ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      ...(options.smallCommits ? { recordKeyFilter: true } : {}),
    });
  } catch (error) {
    const server = isStoreInUse(error) ? readServerDiscovery(path) : null;
    if (server === null) throw error;
    // Reads are sent to the server by their commands (read-through-server.ts); this is what the others say.
    throw new UnitcostError(
      'invalid_argument',
      `the store ${path} is open in \`unitcost serve\` (pid ${server.pid}, ${server.url}): stop the server to use the store here, ` +
        `or send events to it: curl -H 'Content-Type: application/x-ndjson' --data-binary @events.jsonl ${server.url}/v1/events`,
      { field: 'db', file: path },
      { cause: error },
    );
  }
  try {
    for (const message of await loadLeftIntake(store, path, { catalog: app.catalog, hashContent })) options.onRecovered?.(message);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

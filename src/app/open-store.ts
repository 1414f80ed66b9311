import { resolve } from 'node:path';
import { UnitcostError } from '../core/unitcost-error.js';
import { isStoreInUse } from '../store/duckdb/duckdb-database.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { ClickhouseStore } from '../store/clickhouse/clickhouse-store.js';
import type { Store } from '../store/store.js';
import type { App } from './create-app.js';
import { readServerDiscovery } from './server-discovery.js';

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
export async function openStore(app: App, options: { db?: string; memoryLimit?: string; threads?: number } = {}): Promise<Store> {
  // --db names a DuckDB file, so it wins over the config's backend: it is how a ClickHouse user reads a local copy.
  if (app.clickhouse !== undefined && options.db === undefined) return ClickhouseStore.open(app.clickhouse());
  const path = storePath(app, options);
  try {
    return await DuckdbStore.open(path, {
      ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
      ...(options.threads === undefined ? {} : { threads: options.threads }),
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
}

import { readFileSync } from 'node:fs';
import { createApp } from '../src/app/create-app.js';
import { ingestFiles } from '../src/app/ingest-service.js';
import { streamingMemoryLimit } from '../src/app/open-store.js';
import { ClickhouseStore } from '../src/store/clickhouse/clickhouse-store.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';
import type { Store } from '../src/store/store.js';

/*
 * One measured ingest, in a process of its own so that its peak RSS (VmHWM) is its own:
 *   clickhouse-child.ts duckdb FILE DB
 *   clickhouse-child.ts clickhouse FILE URL DATABASE
 * Prints one JSON line: seconds, peak RSS in MB, and the ingest's totals.
 */

function peakRssMb(): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const [backend, file, where, database] = process.argv.slice(2);
if ((backend !== 'duckdb' && backend !== 'clickhouse') || !file || !where) throw new Error('usage: clickhouse-child.ts duckdb FILE DB | clickhouse FILE URL DATABASE');
const app = createApp({ directory: '/nonexistent-config-directory', environment: {} });
const started = performance.now();
const store: Store =
  backend === 'duckdb'
    ? await DuckdbStore.open(where, { memoryLimit: streamingMemoryLimit })
    : await ClickhouseStore.open({ url: where, database: database!, username: 'default', password: '', origin: { url: 'bench', username: 'bench', password: 'bench' } });
const result = await ingestFiles(app, store, [file], { rejects: `/tmp/unitcost-bench-clickhouse-${process.pid}.rejects.jsonl` });
await store.close();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ backend, seconds, peakRssMb: peakRssMb(), totals: result.totals }));

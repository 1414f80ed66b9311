import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { createApp } from '../src/app/create-app.js';
import { ingestFiles } from '../src/app/ingest-service.js';
import { streamingMemoryLimit } from '../src/app/open-store.js';
import { DuckdbStore } from '../src/store/duckdb/duckdb-store.js';

/*
 * One measured run, in a process of its own so that its peak RSS (VmHWM) is its own:
 *   ingest-child.ts unitcost FILE DB [BATCH]   our ingest through the ingest service
 *   ingest-child.ts read_json FILE DB          DuckDB's read_json of the same file into a table
 * Prints one JSON line: seconds, peak RSS in MB, and what was stored.
 */

function peakRssMb(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

const [mode, file, db, batch] = process.argv.slice(2);
const trace = process.env.UNITCOST_BENCH_TRACE !== undefined;
let stopTrace = (): void => undefined;
if (!mode || !file || !db) throw new Error('usage: ingest-child.ts unitcost|read_json FILE DB [BATCH]');
const started = performance.now();
let stored: Record<string, unknown>;
if (mode === 'read_json') {
  const instance = await DuckDBInstance.create(db, { memory_limit: '256MB' });
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE events AS SELECT * FROM read_json('${file.replaceAll("'", "''")}', format = 'newline_delimited')`);
  const rows = await connection.runAndReadAll('SELECT count(*) FROM events');
  stored = { rows: Number(rows.getRows()[0]![0]) };
  connection.closeSync();
  instance.closeSync();
} else {
  const app = createApp({ directory: '/nonexistent-config-directory', environment: {} });
  const store = await DuckdbStore.open(db, { memoryLimit: streamingMemoryLimit });
  if (trace) {
    const rssMb = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
    const timer = setInterval(() => {
      const memory = process.memoryUsage();
      void store.database.connection.runAndReadAll('SELECT sum(memory_usage_bytes) // 1048576 AS mb FROM duckdb_memory()').then((result) =>
        console.error(`rss ${rssMb().toFixed(0)} heapUsed ${(memory.heapUsed / 2 ** 20).toFixed(0)} heapTotal ${(memory.heapTotal / 2 ** 20).toFixed(0)} duckdb ${result.getRows()[0]![0]}`),
      );
    }, 2000);
    stopTrace = () => clearInterval(timer);
  }
  const result = await ingestFiles(app, store, [file], { rejects: `${db}.rejects.jsonl`, ...(batch ? { batchSize: Number(batch) } : {}), ...(process.env.UNITCOST_BENCH_WORKER === '1' ? { worker: true } : process.env.UNITCOST_BENCH_WORKER === '0' ? { worker: false } : {}) }, trace ? (progress) => console.error(`${((performance.now() - started) / 1000).toFixed(1)} s: ${progress.totals.lines} lines committed`) : undefined);
  stored = { ...result.totals };
  stopTrace();
  await store.close();
}
const seconds = (performance.now() - started) / 1000;
const memory = process.memoryUsage();
console.log(JSON.stringify({ mode, seconds, peakRssMb: peakRssMb(), heapTotalMb: memory.heapTotal / 2 ** 20, externalMb: memory.external / 2 ** 20, stored }));

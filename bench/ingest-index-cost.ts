import { rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

/*
 * What a PRIMARY KEY on the event id would cost, the alternative to the writer's time-window check
 * (src/store/duckdb/duckdb-open-batch.ts): inserts of N ids with and without the key, the peak RSS,
 * and the memory DuckDB holds for the index when appending to the reopened file.
 *   npx tsx bench/ingest-index-cost.ts 5000000 pk
 *   npx tsx bench/ingest-index-cost.ts 5000000 none
 */

const count = Number(process.argv[2] ?? 2_000_000);
const withKey = process.argv[3] === 'pk';
const path = join(tmpdir(), `unitcost-index-cost-${withKey ? 'pk' : 'none'}.duckdb`);
rmSync(path, { force: true });
rmSync(`${path}.wal`, { force: true });
const status = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;

let instance = await DuckDBInstance.create(path);
let connection = await instance.connect();
await connection.run(`CREATE TABLE events (id VARCHAR ${withKey ? 'PRIMARY KEY' : ''}, value BIGINT)`);
const started = performance.now();
for (let first = 0; first < count; first += 500_000) {
  await connection.run(`INSERT INTO events SELECT 'evt-1-' || (range + ${first}), range FROM range(${Math.min(500_000, count - first)})`);
}
await connection.run('CHECKPOINT');
const insertMs = performance.now() - started;
connection.closeSync();
instance.closeSync();

instance = await DuckDBInstance.create(path);
connection = await instance.connect();
const appendStarted = performance.now();
await connection.run(`INSERT INTO events SELECT 'new-' || range, range FROM range(20000)`);
const appendMs = performance.now() - appendStarted;
const memory = await connection.runAndReadAll('SELECT tag, memory_usage_bytes // 1048576 AS mb FROM duckdb_memory() WHERE memory_usage_bytes > 1048576');
console.log(
  JSON.stringify({
    count,
    primaryKey: withKey,
    insertMs: Math.round(insertMs),
    microsecondsPerRow: Number(((insertMs * 1000) / count).toFixed(2)),
    append20kAfterReopenMs: Math.round(appendMs),
    peakRssMb: Math.round(status('VmHWM')),
    duckdbMemory: memory.getRowObjects().map((row) => `${row.tag}=${row.mb}MB`),
  }),
);
connection.closeSync();
instance.closeSync();

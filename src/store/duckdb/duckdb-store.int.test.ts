import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreContract } from '../store-contract.js';
import { DuckdbStore } from './duckdb-store.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-store-'));
let opened = 0;

describeStoreContract('DuckDB', async () => {
  opened += 1;
  return DuckdbStore.open(join(directory, `store-${opened}.duckdb`), { threads: 1 });
});

// What serve and the gateway open: the same contract, every commit checked through the record-key filter first.
describeStoreContract('DuckDB opened for small commits (record-key filter)', async () => {
  opened += 1;
  return DuckdbStore.open(join(directory, `store-${opened}.duckdb`), { threads: 1, recordKeyFilter: true });
});

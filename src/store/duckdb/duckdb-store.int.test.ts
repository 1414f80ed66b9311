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

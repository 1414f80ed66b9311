import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStatementLedgerContract } from '../statement-ledger-contract.js';
import { DuckdbStore } from './duckdb-store.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-statement-ledger-'));
let opened = 0;

describeStatementLedgerContract('DuckDB', async () => {
  opened += 1;
  return DuckdbStore.open(join(directory, `store-${opened}.duckdb`), { threads: 1 });
});

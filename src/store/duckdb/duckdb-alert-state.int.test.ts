import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeAlertStateContract } from '../alert-state-contract.js';
import { DuckdbAlertState } from './duckdb-alert-state.js';
import { DuckdbStore } from './duckdb-store.js';

describeAlertStateContract('DuckDB', async () => {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-alert-state-'));
  const store = await DuckdbStore.open(join(directory, 'store.duckdb'));
  const state = await DuckdbAlertState.open(store.database);
  return {
    state,
    close: async () => {
      state.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
});

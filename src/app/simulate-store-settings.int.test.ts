import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { createApp } from './create-app.js';
import { optimize } from './optimize-service.js';
import { openSimulateStore, simulateMemoryLimit, simulateThreads } from './simulate-service.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-simulate-settings-'));
const app = createApp({ directory: '/nonexistent' });
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function settingsOf(connection: { runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Array<Record<string, unknown>> }> }): Promise<{ memoryLimit: string; threads: number }> {
  const row = (await connection.runAndReadAll("SELECT current_setting('memory_limit') AS memory_limit, current_setting('threads') AS threads")).getRowObjectsJS()[0]!;
  return { memoryLimit: String(row.memory_limit), threads: Number(row.threads) };
}

describe('simulate: the store it opens', () => {
  it("caps DuckDB's memory and threads at the simulate settings, not at 80% of the machine's memory", async () => {
    // What DuckDB itself reports for the limit, so the comparison does not depend on its display units.
    const reference = await DuckDBInstance.create(':memory:', { memory_limit: simulateMemoryLimit });
    const expected = await settingsOf(await reference.connect());
    reference.closeSync();
    const store = await openSimulateStore(app, { db: join(directory, 'simulate.duckdb') });
    try {
      expect(store).toBeInstanceOf(DuckdbStore);
      const opened = await settingsOf((store as DuckdbStore).database.connection);
      expect(opened).toEqual({ memoryLimit: expected.memoryLimit, threads: simulateThreads });
    } finally {
      await store.close();
    }
  });
  it('opens the store for optimize, whose every lever is a simulation, with the same bounds', async () => {
    const file = join(directory, 'optimize.duckdb');
    await (await DuckdbStore.open(file)).close();
    const opens = vi.spyOn(DuckdbStore, 'open');
    try {
      // An empty store has nothing to optimize; the store was opened before that was known.
      await expect(optimize(app, { db: file })).rejects.toThrow('nothing to optimize');
      expect(opens).toHaveBeenCalledTimes(1);
      expect(opens.mock.calls[0]![1]).toMatchObject({ memoryLimit: simulateMemoryLimit, threads: simulateThreads });
    } finally {
      opens.mockRestore();
    }
  });
});

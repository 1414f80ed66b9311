import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStoreInUse, openDuckdbDatabase } from './duckdb-database.js';
import { schemaMigrations } from './schema-migrations.js';

describe('openDuckdbDatabase', () => {
  it('creates the schema in a new file and applies no migration twice on reopening', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-db-')), 'store.duckdb');
    const first = await openDuckdbDatabase(path);
    first.close();
    const second = await openDuckdbDatabase(path);
    const versions = await second.connection.runAndReadAll('SELECT version FROM schema_migrations ORDER BY version');
    const tables = await second.connection.runAndReadAll("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name");
    second.close();
    expect(versions.getRowObjects().map((row) => Number(row.version))).toEqual(schemaMigrations.map((migration) => migration.version));
    expect(tables.getRowObjects().map((row) => row.table_name)).toEqual(['alert_incidents', 'alert_mutes', 'alert_outbox', 'api_keys', 'prices', 'record_keys', 'revenue', 'schema_migrations', 'statement_lines', 'statements', 'task_outcomes', 'usage_events']);
  });

  it('says which process holds a store it cannot lock, in words rather than DuckDB\'s', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'unitcost-db-lock-')), 'store.duckdb');
    // DuckDB's lock is per process: only another process can hold it against this one.
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(path)}); console.log('held'); setInterval(() => {}, 1000);`], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: process.cwd(),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout.on('data', () => resolve());
        holder.once('exit', () => reject(new Error('the holder exited')));
      });
      const error = await openDuckdbDatabase(path).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect((error as Error).message).toBe(
        `the store ${path} is in use by another process (pid ${holder.pid}): DuckDB lets one process open a store file at a time; wait for it to finish, or stop it`,
      );
      expect(isStoreInUse(error)).toBe(true);
    } finally {
      holder.kill();
    }
  });
});

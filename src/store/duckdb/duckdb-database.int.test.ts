import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckdbDatabase } from './duckdb-database.js';
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
    expect(tables.getRowObjects().map((row) => row.table_name)).toEqual(['api_keys', 'prices', 'record_keys', 'revenue', 'schema_migrations', 'task_outcomes', 'usage_events']);
  });
});

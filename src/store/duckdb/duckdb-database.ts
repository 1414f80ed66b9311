import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { UnitcostError } from '../../core/unitcost-error.js';
import { schemaMigrations } from './schema-migrations.js';

/** An open DuckDB file with its schema up to date; writers and readers share its connection. */
export interface DuckdbDatabase {
  path: string;
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close(): void;
}

/**
 * Opens (or creates) the one-file store and applies the migrations it lacks, each in its own
 * transaction, so a crash mid-upgrade leaves the file at the last whole version.
 */
export async function openDuckdbDatabase(path: string, options: { threads?: number; memoryLimit?: string } = {}): Promise<DuckdbDatabase> {
  let instance: DuckDBInstance;
  try {
    const settings: Record<string, string> = {};
    if (options.threads !== undefined) settings.threads = String(options.threads);
    if (options.memoryLimit !== undefined) settings.memory_limit = options.memoryLimit;
    instance = await DuckDBInstance.create(path, settings);
  } catch (error) {
    const holder = lockHolder(error);
    if (holder !== undefined) {
      const pid = holder === null ? '' : ` (pid ${holder})`;
      throw new UnitcostError('invalid_argument', `the store ${path} is in use by another process${pid}: DuckDB lets one process open a store file at a time; wait for it to finish, or stop it`, { field: 'db', file: path }, { cause: error });
    }
    throw new UnitcostError('invalid_argument', `cannot open the DuckDB store at ${path}: ${(error as Error).message}`, { field: 'db' }, { cause: error });
  }
  const connection = await instance.connect();
  await connection.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)');
  const applied = await connection.runAndReadAll('SELECT coalesce(max(version), 0) AS version FROM schema_migrations');
  const current = Number(applied.getRowObjects()[0]?.version ?? 0);
  const newest = schemaMigrations.at(-1)?.version ?? 0;
  if (current > newest) {
    throw new UnitcostError('invalid_argument', `the store at ${path} has schema version ${current}, newer than this unitcost understands (${newest}); upgrade unitcost`, { field: 'db' });
  }
  for (const migration of schemaMigrations.filter((candidate) => candidate.version > current)) {
    await inTransaction(connection, async () => {
      for (const statement of migration.statements) await connection.run(statement);
      await connection.run(`INSERT INTO schema_migrations VALUES (${migration.version}, '${migration.description.replaceAll("'", "''")}', now())`);
    });
  }
  return {
    path,
    instance,
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

// DuckDB locks the whole file, even for a READ_ONLY open from another process: "Could not set lock on
// file …: Conflicting lock is held in /usr/bin/node (PID 1918)". Undefined: not a lock error; null: no pid said.
function lockHolder(error: unknown): number | null | undefined {
  const message = error instanceof Error ? error.message : String(error);
  if (!/Could not set lock on file/i.test(message)) return undefined;
  const pid = /\(PID (\d+)\)/i.exec(message)?.[1];
  return pid === undefined ? null : Number(pid);
}

/** Whether an error (or one of its causes) says the store file is held by another process. */
export function isStoreInUse(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = current.cause) {
    if (lockHolder(current) !== undefined) return true;
  }
  return false;
}

/** Runs work in one transaction: committed when it returns, rolled back (and the error passed on) when it throws. */
export async function inTransaction<T>(connection: DuckDBConnection, work: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  try {
    const result = await work();
    await connection.run('COMMIT');
    return result;
  } catch (error) {
    await connection.run('ROLLBACK');
    throw error;
  }
}

/**
 * Runs statements (no parameters) as one transaction in a single call to DuckDB, which runs them in order and
 * stops at the first error; that error is passed on after a rollback. One call, not one per statement: each
 * `await` of a statement waits for the JavaScript thread to be free, and on a server that thread is busy
 * converting the next requests (tens of ms at a time), so a ten-statement commit waited ten times.
 */
export async function transactionInOneCall(connection: DuckDBConnection, statements: readonly string[]): Promise<void> {
  if (statements.length === 0) return;
  try {
    await connection.run(['BEGIN TRANSACTION', ...statements, 'COMMIT'].join(';\n'));
  } catch (error) {
    // The transaction is open when a statement before COMMIT failed; when BEGIN or COMMIT did, there is none.
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

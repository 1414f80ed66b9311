import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { UnitcostError } from '../../core/unitcost-error.js';

/** Where a ClickHouse store lives and who connects: the config's `store.clickhouse`, with credentials from the environment. */
export interface ClickhouseSettings {
  /** The HTTP interface, e.g. http://clickhouse.internal:8123. */
  url: string;
  database: string;
  username: string;
  password: string;
  /** The names of the settings the values came from, for error messages (e.g. "store.clickhouse.url", "UNITCOST_CLICKHOUSE_PASSWORD"). */
  origin: { url: string; username: string; password: string };
}

/** A SQL string literal: ClickHouse escapes with backslashes, and a quote or backslash in a value must not end it. */
export function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A database or table name unitcost made itself; refused unless plain, since names cannot be bound. */
export function sqlName(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UnitcostError('invalid_config', `"${name}" is not a plain ClickHouse name (letters, digits and _)`, { field: 'store.clickhouse.database' });
  return name;
}

/** One value as TabSeparated text: \N for null, backslash escapes for tabs, newlines and backslashes. */
function tsvValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot store ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  // A DateTime column reads 'YYYY-MM-DD hh:mm:ss' in the server's time zone: UTC is written and read as UTC (schema columns say so).
  if (value instanceof Date) return value.toISOString().slice(0, 19).replace('T', ' ');
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

/**
 * A connection to one database: queries return row objects (64-bit integers as strings, so nothing is
 * rounded), inserts go as TabSeparated text, which carries 128-bit amounts that JSON numbers would round
 * and ClickHouse 18.16 will not read from a quoted JSON string.
 */
export class ClickhouseConnection {
  private constructor(
    readonly client: ClickHouseClient,
    readonly settings: ClickhouseSettings,
  ) {}

  /**
   * Connects, creating the database if it is missing, and checks that the server answers as the settings'
   * user. An unreachable server or refused credentials fail here, naming the setting to fix.
   */
  static async open(settings: ClickhouseSettings): Promise<ClickhouseConnection> {
    sqlName(settings.database);
    const common = { url: settings.url, username: settings.username, password: settings.password, request_timeout: 300_000, log: { level: ClickHouseLogLevel.OFF } };
    const bootstrap = createClient(common);
    try {
      await bootstrap.command({ query: `CREATE DATABASE IF NOT EXISTS ${settings.database}` });
    } catch (error) {
      throw connectionError(settings, error);
    } finally {
      await bootstrap.close();
    }
    return new ClickhouseConnection(createClient({ ...common, database: settings.database }), settings);
  }

  /** `settings`: server settings for this query alone (e.g. max_query_size for a report's nested subqueries). */
  async rows<Row = Record<string, unknown>>(sql: string, settings?: ClickHouseSettings): Promise<Row[]> {
    try {
      const result = await this.client.query({ query: sql, format: 'JSONEachRow', ...(settings ? { clickhouse_settings: settings } : {}) });
      return (await result.json()) as Row[];
    } catch (error) {
      throw queryError(this.settings, error);
    }
  }

  /** A query's rows, streamed a block at a time: for results too large to hold (the FOCUS export's file). JSONEachRow: 18.16 has no JSONCompactEachRow. */
  async *streamRows<Row = Record<string, unknown>>(sql: string): AsyncGenerator<Row> {
    let result;
    try {
      result = await this.client.query({ query: sql, format: 'JSONEachRow' });
    } catch (error) {
      throw queryError(this.settings, error);
    }
    try {
      for await (const rows of result.stream()) for (const row of rows) yield row.json<Row>();
    } catch (error) {
      throw queryError(this.settings, error);
    }
  }

  async run(sql: string): Promise<void> {
    try {
      await this.client.command({ query: sql });
    } catch (error) {
      throw queryError(this.settings, error);
    }
  }

  /** Inserts rows (arrays of values in `columns`' order) as one INSERT: one block, so all of it or none of it. */
  async insert(table: string, columns: readonly string[], rows: Iterable<readonly unknown[]>): Promise<void> {
    const lines = function* (): Generator<string> {
      let chunk = '';
      for (const row of rows) {
        chunk += `${row.map(tsvValue).join('\t')}\n`;
        if (chunk.length > 1 << 20) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk.length > 0) yield chunk;
    };
    try {
      await this.client.insert({ table, columns: columns as [string, ...string[]], values: Readable.from(lines(), { objectMode: false }), format: 'TabSeparated' });
    } catch (error) {
      throw queryError(this.settings, error);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Why connecting failed, naming the setting that would fix it. */
function connectionError(settings: ClickhouseSettings, error: unknown): UnitcostError {
  const message = messageOf(error);
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ECONNRESET' || /ECONNREFUSED|ENOTFOUND|Timeout error|socket hang up/i.test(message)) {
    return new UnitcostError('invalid_config', `cannot reach ClickHouse at ${settings.url} (${settings.origin.url}): ${message}`, { field: settings.origin.url }, { cause: error });
  }
  // 516 (current releases) and 192/193 (18.x) are ClickHouse's refusals of a user or password.
  if (/Code: (516|192|193)\b|Authentication failed|Unknown user|Wrong password/i.test(message)) {
    return new UnitcostError(
      'invalid_config',
      `ClickHouse at ${settings.url} refused user "${settings.username}": check ${settings.origin.username} and ${settings.origin.password}`,
      { field: settings.origin.password },
      { cause: error },
    );
  }
  return new UnitcostError('invalid_config', `ClickHouse at ${settings.url} (${settings.origin.url}) failed: ${message}`, { field: settings.origin.url }, { cause: error });
}

/** A failed query after connecting: the same reasons as connecting, or the server's own message. */
function queryError(settings: ClickhouseSettings, error: unknown): Error {
  const message = messageOf(error);
  if (/ECONNREFUSED|ENOTFOUND|socket hang up|Code: (516|192|193)\b/.test(message)) return connectionError(settings, error);
  return new Error(`ClickHouse at ${settings.url}: ${message}`, { cause: error });
}

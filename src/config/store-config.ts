import { UnitcostError } from '../core/unitcost-error.js';
import type { ClickhouseSettings } from '../store/clickhouse/clickhouse-connection.js';
import type { UnitcostConfig } from './unitcost-config.js';

/**
 * The ClickHouse store the config names, with its credentials read from the environment (the config module
 * is the only reader of process.env, and credentials stay out of files); undefined for the DuckDB store.
 * The URL comes from UNITCOST_CLICKHOUSE_URL, else store.clickhouse.url.
 */
export function clickhouseSettings(config: UnitcostConfig, environment: NodeJS.ProcessEnv = process.env, file?: string): ClickhouseSettings | undefined {
  if (config.store.backend !== 'clickhouse') return undefined;
  const section = config.store.clickhouse;
  const url = environment.UNITCOST_CLICKHOUSE_URL || section?.url;
  if (!url) {
    throw new UnitcostError('invalid_config', 'store.backend is clickhouse but no address is set: add store.clickhouse.url (e.g. http://clickhouse.internal:8123) or set UNITCOST_CLICKHOUSE_URL', {
      field: 'store.clickhouse.url',
      ...(file === undefined ? {} : { file }),
    });
  }
  const userVariable = section?.user_env ?? 'UNITCOST_CLICKHOUSE_USER';
  const passwordVariable = section?.password_env ?? 'UNITCOST_CLICKHOUSE_PASSWORD';
  return {
    url,
    database: section?.database ?? 'unitcost',
    username: environment[userVariable] || 'default',
    password: environment[passwordVariable] ?? '',
    origin: { url: environment.UNITCOST_CLICKHOUSE_URL ? 'UNITCOST_CLICKHOUSE_URL' : 'store.clickhouse.url', username: userVariable, password: passwordVariable },
  };
}

/** A store named on the command line: a DuckDB file, or a ClickHouse database with credentials from the environment. */
export type StoreLocator = { backend: 'duckdb'; path: string } | { backend: 'clickhouse'; settings: ClickhouseSettings };

/**
 * Reads `duckdb:FILE` (or a bare path) and `clickhouse:http://HOST:PORT[/DATABASE]`. The ClickHouse user and
 * password come from the variables the config's store.clickhouse names (UNITCOST_CLICKHOUSE_USER and
 * UNITCOST_CLICKHOUSE_PASSWORD by default); the database defaults to the config's, then unitcost.
 */
export function parseStoreLocator(text: string, option: string, config: UnitcostConfig, environment: NodeJS.ProcessEnv = process.env): StoreLocator {
  if (text.startsWith('clickhouse:')) {
    const rest = text.slice('clickhouse:'.length);
    let url: URL;
    try {
      url = new URL(rest);
    } catch {
      throw new UnitcostError('invalid_argument', `${option} ${text}: after clickhouse: comes the server's HTTP address, e.g. clickhouse:http://localhost:8123/unitcost`, { field: option });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UnitcostError('invalid_argument', `${option} ${text}: the ClickHouse address must be http:// or https://, e.g. clickhouse:http://localhost:8123/unitcost`, { field: option });
    }
    const database = url.pathname.replace(/^\/+|\/+$/g, '') || config.store.clickhouse?.database || 'unitcost';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new UnitcostError('invalid_argument', `${option} ${text}: "${database}" is not a plain database name (letters, digits and _)`, { field: option });
    const userVariable = config.store.clickhouse?.user_env ?? 'UNITCOST_CLICKHOUSE_USER';
    const passwordVariable = config.store.clickhouse?.password_env ?? 'UNITCOST_CLICKHOUSE_PASSWORD';
    return {
      backend: 'clickhouse',
      settings: {
        url: `${url.protocol}//${url.host}`,
        database,
        username: environment[userVariable] || 'default',
        password: environment[passwordVariable] ?? '',
        origin: { url: option, username: userVariable, password: passwordVariable },
      },
    };
  }
  const path = text.startsWith('duckdb:') ? text.slice('duckdb:'.length) : text;
  if (path.length === 0 || /^[a-z]+:\/\//i.test(path)) {
    throw new UnitcostError('invalid_argument', `${option} ${text}: name a store as duckdb:FILE or clickhouse:http://HOST:PORT/DATABASE`, { field: option });
  }
  return { backend: 'duckdb', path };
}

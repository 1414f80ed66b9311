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

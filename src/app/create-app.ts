import { PriceCatalog } from '../core/catalog/price-catalog.js';
import { loadConfig } from '../config/load-config.js';
import { clickhouseSettings } from '../config/store-config.js';
import type { ClickhouseSettings } from '../store/clickhouse/clickhouse-connection.js';
import type { UnitcostConfig } from '../config/unitcost-config.js';
import { loadActivePriceData, type ActivePriceData } from './catalog/price-data.js';

/** The services every surface (CLI, server, gateway) is a thin shell over. */
export interface App {
  config: UnitcostConfig;
  configFile: string | undefined;
  /** The directory the config was looked for in (the working directory unless told): where files beside it go. */
  directory: string;
  catalog: PriceCatalog;
  /** The price data the catalog is built on: the bundled package's, or a newer file from `unitcost catalog update`. */
  priceData: ActivePriceData;
  /** The clock, passed in so that tests and replays can fix "now". */
  now: () => Date;
  /** $UNITCOST_API_KEY, sent when the CLI reads through a running server. */
  apiKey?: string;
  /**
   * The ClickHouse store the config chooses (store.backend: clickhouse), resolved when a store is opened so
   * that commands without one (estimate, models) run without its settings; absent for the DuckDB store.
   */
  clickhouse?: () => ClickhouseSettings;
}

/** Options for wiring the app. */
export interface AppOptions {
  configPath?: string;
  directory?: string;
  environment?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Loads the configuration and builds the services from it. */
export function createApp(options: AppOptions = {}): App {
  const { config, file, apiKey } = loadConfig({
    ...(options.configPath !== undefined ? { path: options.configPath } : {}),
    ...(options.directory !== undefined ? { directory: options.directory } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  });
  const directory = options.directory ?? process.cwd();
  const priceData = loadActivePriceData(file, directory);
  const catalog = new PriceCatalog(priceData.providers, {
    models: config.models,
    discounts: config.discounts,
    prices: config.prices,
  });
  const environment = options.environment ?? process.env;
  const clickhouse = config.store.backend === 'clickhouse' ? { clickhouse: () => clickhouseSettings(config, environment, file)! } : {};
  return { config, configFile: file, directory, catalog, priceData, now: options.now ?? (() => new Date()), ...(apiKey === undefined ? {} : { apiKey }), ...clickhouse };
}

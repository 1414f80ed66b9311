import { PriceCatalog } from '../core/catalog/price-catalog.js';
import { loadConfig } from '../config/load-config.js';
import type { UnitcostConfig } from '../config/unitcost-config.js';
import { loadBundledProviders } from './load-bundled-providers.js';

/** The services every surface (CLI, server, gateway) is a thin shell over. */
export interface App {
  config: UnitcostConfig;
  configFile: string | undefined;
  catalog: PriceCatalog;
  /** The clock, passed in so that tests and replays can fix "now". */
  now: () => Date;
  /** $UNITCOST_API_KEY, sent when the CLI reads through a running server. */
  apiKey?: string;
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
  const catalog = new PriceCatalog(loadBundledProviders(), {
    models: config.models,
    discounts: config.discounts,
    prices: config.prices,
  });
  return { config, configFile: file, catalog, now: options.now ?? (() => new Date()), ...(apiKey === undefined ? {} : { apiKey }) };
}

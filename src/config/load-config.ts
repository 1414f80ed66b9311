import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UnitcostError } from '../core/unitcost-error.js';
import { parseLocated } from './parse-located.js';
import { unitcostConfigSchema, type UnitcostConfig } from './unitcost-config.js';

/** The file names looked for in the working directory, in order. */
export const defaultConfigFiles = ['unitcost.config.json', 'unitcost.config.yaml', 'unitcost.config.yml'];

/** A loaded configuration and the file it came from, if any. */
export interface LoadedConfig {
  config: UnitcostConfig;
  file: string | undefined;
  /** $UNITCOST_API_KEY: the key the CLI sends when it reads a store through the `unitcost serve` that holds it. */
  apiKey: string | undefined;
}

/**
 * Reads the configuration: an explicit path, else UNITCOST_CONFIG, else the first default file in the
 * directory; with none of them, the defaults.
 */
export function loadConfig(options: { path?: string; directory?: string; environment?: NodeJS.ProcessEnv } = {}): LoadedConfig {
  const directory = options.directory ?? process.cwd();
  const environment = options.environment ?? process.env;
  const explicit = options.path ?? environment.UNITCOST_CONFIG;
  let file: string | undefined;
  if (explicit) {
    file = resolve(directory, explicit);
    if (!existsSync(file)) throw new UnitcostError('invalid_config', `config file not found: ${file}`, { file });
  } else {
    file = defaultConfigFiles.map((name) => resolve(directory, name)).find((candidate) => existsSync(candidate));
  }
  const config = file ? parseLocated(readFileSync(file, 'utf8'), file, unitcostConfigSchema) : unitcostConfigSchema.parse({});
  // UNITCOST_DB names the store for this environment, over the config file's db.
  if (environment.UNITCOST_DB) config.db = environment.UNITCOST_DB;
  return { config, file, apiKey: environment.UNITCOST_API_KEY || undefined };
}

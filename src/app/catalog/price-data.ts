import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Provider } from '@pydantic/genai-prices';
import { requiredPriceProviders } from '../../core/catalog/price-data-file.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import { loadBundledProviders } from '../load-bundled-providers.js';

/** The file `unitcost catalog update` writes beside the config, and every command then prices with. */
export const priceDataFileName = 'unitcost-prices.json';

/** The price data in force: the bundled package's, or a newer file an update left beside the config. */
export interface ActivePriceData {
  providers: Provider[];
  /** "bundled @pydantic/genai-prices", or where the file's data was fetched from. */
  source: string;
  /** When the file's data was fetched; undefined for the bundled data. */
  fetchedAt?: string;
  /** The file, when one is in force. */
  file?: string;
}

/** Where the updated price data lives: beside the config file, else in the working directory. */
export function priceDataPath(configFile: string | undefined, directory: string): string {
  return join(configFile === undefined ? directory : dirname(configFile), priceDataFileName);
}

/**
 * The price data to price with. A file left by `unitcost catalog update` wins over the bundled data, so the
 * catalog can move without a release; a damaged file is an error naming it, never a silent fall back to
 * older prices.
 */
export function loadActivePriceData(configFile: string | undefined, directory: string): ActivePriceData {
  const file = priceDataPath(configFile, directory);
  if (!existsSync(file)) return { providers: loadBundledProviders(), source: 'bundled @pydantic/genai-prices' };
  const damaged = (why: string): UnitcostError =>
    new UnitcostError('invalid_config', `${file}: ${why}; run \`unitcost catalog update\` again, or delete the file to price with the bundled data`, { file });
  let stored: { source?: unknown; fetched_at?: unknown; providers?: unknown };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8')) as typeof stored;
  } catch (error) {
    throw damaged(`is not JSON (${(error as Error).message})`);
  }
  // The update validated every model before writing the file; this only guards against a file edited or cut since.
  if (!Array.isArray(stored.providers)) throw damaged('has no providers list');
  const ids = new Set((stored.providers as Array<{ id?: unknown }>).map((provider) => provider.id));
  const missing = requiredPriceProviders.filter((id) => !ids.has(id));
  if (missing.length > 0) throw damaged(`has no provider ${missing.join(', ')}`);
  return {
    providers: stored.providers as Provider[],
    source: typeof stored.source === 'string' ? stored.source : file,
    ...(typeof stored.fetched_at === 'string' ? { fetchedAt: stored.fetched_at } : {}),
    file,
  };
}

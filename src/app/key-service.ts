import { UnitcostError } from '../core/unitcost-error.js';
import type { Store } from '../store/store.js';
import { ApiKeys, type Serialize } from './api-keys.js';
import type { App } from './create-app.js';
import { openStore, storePath } from './open-store.js';

/** The API keys of an open store; keys live in the store (the DuckDB file, or the ClickHouse database every server shares). */
export async function loadApiKeys(store: Store, serialize?: Serialize): Promise<ApiKeys> {
  return ApiKeys.load(store.apiKeyTable(), serialize ? { serialize } : {});
}

/**
 * Opens the store, hands its keys to the task and closes it: what `unitcost keys` runs. DuckDB lets one
 * process at a time write a file, so while `unitcost serve` holds it the keys are managed over HTTP.
 */
export async function withApiKeys<T>(app: App, options: { db?: string }, task: (keys: ApiKeys) => Promise<T>): Promise<T> {
  let store: Store;
  try {
    store = await openStore(app, options);
  } catch (error) {
    if (UnitcostError.isInstance(error) && /lock/i.test(error.message)) {
      throw new UnitcostError(
        'invalid_argument',
        `the store ${storePath(app, options)} is held by another process, most likely \`unitcost serve\`: stop it, or manage keys over its API with an admin key (GET/POST /v1/keys, DELETE /v1/keys/ID)`,
        { field: 'db' },
        { cause: error },
      );
    }
    throw error;
  }
  try {
    return await task(await loadApiKeys(store));
  } finally {
    await store.close();
  }
}

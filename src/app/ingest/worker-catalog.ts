import type { WorkerCatalog } from '../../ingest/line-conversion.js';
import type { App } from '../create-app.js';

/** What a conversion worker needs to build the app's own catalog: the bundled provider data and the config's overrides. */
export function workerCatalogOf(app: App): WorkerCatalog {
  return { providers: app.priceData.providers, overrides: { models: app.config.models, discounts: app.config.discounts, prices: app.config.prices } };
}

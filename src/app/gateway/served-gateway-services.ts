import { loadGatewayConfig } from '../../config/gateway-config.js';
import type { App } from '../create-app.js';
import type { ServerServices } from '../server-types.js';
import { EventRecorder, type RecorderOptions } from './event-recorder.js';
import { assembleGatewayServices, type GatewayServices } from './gateway-services.js';
import { readBudgetSpend } from './read-budget-spend.js';
import { storeSpendReader } from './store-spend-reader.js';
import { storeDelivery } from './store-delivery.js';

/** What the gateway of `unitcost serve --gateway` needs of the server it runs beside. */
export type GatewayHost = Pick<ServerServices, 'ingestBatch' | 'readStore' | 'storeLocation'>;

/** Where problems go, and how the recorder batches. */
export interface ServedGatewayOptions {
  environment?: NodeJS.ProcessEnv;
  onProblem?: (message: string) => void;
  recorder?: Omit<RecorderOptions, 'onProblem'>;
}

/**
 * Wires the gateway of `unitcost serve --gateway` over the server's own services: its events take the
 * server's write path and write queue (ingestBatch, as POST /v1/events), so the server's reports and
 * dashboard see them and DuckDB keeps its one writer; its budgets start from what the store says each one
 * has spent, read in the server's queue. Closing delivers the queued events and leaves the store to the server, which closes
 * it after.
 */
export async function openServedGatewayServices(app: App, server: GatewayHost, options: ServedGatewayOptions = {}): Promise<GatewayServices> {
  // The forward key serves `unitcost gateway --forward`; a gateway inside the server writes to it directly.
  const { forwardKey: _forwardKey, ...config } = loadGatewayConfig(app.config.gateway, options.environment);
  const onProblem = options.onProblem ?? ((message: string) => process.emitWarning(message, 'UnitcostGatewayWarning'));
  const budgets = await readBudgetSpend(app.config.budgets, app.now().getTime(), (query) => server.readStore((reader) => storeSpendReader(app, reader)(query)));
  const recorder = new EventRecorder(storeDelivery(server.ingestBatch, onProblem), { ...options.recorder, onProblem });
  return assembleGatewayServices(app, { config, destination: server.storeLocation, budgets, recorder, release: async () => {} });
}

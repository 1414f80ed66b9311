import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { startServer, type RunningServer } from './start-server.js';

/** A server on loopback over a new store, with a config file of its own and a fixed clock. */
export interface ServedStore {
  directory: string;
  server: RunningServer;
  services: ServerServices;
  /** Stops the server, closes the store and removes its directory. */
  close(): Promise<void>;
}

/** Writes `config` as unitcost.config.json in a new directory and serves a store there, the clock at `now`. */
export async function serveStoreWithConfig(prefix: string, config: Record<string, unknown>, now: string): Promise<ServedStore> {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify(config));
  const app = createApp({ directory, now: () => new Date(now) });
  const { services } = await openServerServices(app, { db: join(directory, 'store.duckdb') });
  const server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  return {
    directory,
    server,
    services,
    close: async () => {
      await server.close();
      await services.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

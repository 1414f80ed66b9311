import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openGatewayServices, type GatewayServices } from '../app/gateway/gateway-services.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from '../testing/fake-provider-server.js';
import { startGateway, type RunningGateway } from './start-gateway.js';

/** A stored usage event, as the usage_events table holds it. */
export type StoredEventRow = Record<string, unknown>;

/** A gateway on loopback in front of a fake provider, recording into a fresh DuckDB file. */
export interface GatewayHarness {
  fake: FakeProvider;
  gateway: RunningGateway;
  /** Holds the config and the store file. */
  directory: string;
  services: GatewayServices;
  /** Base URLs for the official SDKs. */
  openaiBaseUrl: string;
  anthropicBaseUrl: string;
  /** Every log line the gateway wrote. */
  logs: string[];
  /** Problems the recorder reported. */
  problems: string[];
  /** Stops the gateway, delivers the queued events, and returns every stored usage event, oldest first. */
  storedEvents(): Promise<StoredEventRow[]>;
  close(): Promise<void>;
}

/** What a test may change: the fake's behaviour, the gateway section of the config, the environment. */
export interface HarnessOptions {
  fake?: FakeProviderOptions;
  /** Merged over providers that point openai and anthropic at the fake. */
  gateway?: (fakeUrl: string) => Record<string, unknown>;
  environment?: NodeJS.ProcessEnv;
  /** The config's top-level budgets. */
  budgets?: Array<Record<string, unknown>>;
  /** A directory of an earlier harness, to restart on its store. */
  directory?: string;
  /** Store the events from a writer process, as the built CLI does (vitest's default is the calling thread). */
  storeWriterProcess?: boolean;
}

// A test may restart a harness on an earlier one's directory, so directories are removed when the test file ends,
// not when a harness closes; without this every run left a store and a config per harness in the temp directory.
const createdDirectories: string[] = [];
afterAll(() => {
  for (const directory of createdDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Starts the fake provider, writes a config pointing at it, and starts the gateway over a temp store. */
export async function startGatewayHarness(options: HarnessOptions = {}): Promise<GatewayHarness> {
  const fake = await startFakeProvider(options.fake);
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'unitcost-gateway-'));
  if (options.directory === undefined) createdDirectories.push(directory);
  const gatewaySection = {
    providers: { openai: { base_url: `${fake.url}/v1` }, anthropic: { base_url: fake.url } },
    ...options.gateway?.(fake.url),
  };
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ gateway: gatewaySection, ...(options.budgets === undefined ? {} : { budgets: options.budgets }) }));
  const app = createApp({ directory, environment: {} });
  const dbPath = join(directory, 'gateway.duckdb');
  const problems: string[] = [];
  const services = await openGatewayServices(app, {
    db: dbPath,
    environment: options.environment ?? {},
    onProblem: (message) => problems.push(message),
    ...(options.storeWriterProcess === undefined ? {} : { storeWriterProcess: options.storeWriterProcess }),
  });
  const logs: string[] = [];
  const gateway = await startGateway({ services, host: '127.0.0.1', port: 0, logLevel: 'debug', logDestination: { write: (line: string) => logs.push(line) } });
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await gateway.close();
    await services.close();
    await fake.close();
  };
  return {
    fake,
    gateway,
    directory,
    services,
    openaiBaseUrl: `${gateway.url}/v1`,
    anthropicBaseUrl: gateway.url,
    logs,
    problems,
    storedEvents: async () => {
      await close();
      const store = await DuckdbStore.open(dbPath, { threads: 1 });
      try {
        const result = await store.database.connection.runAndReadAll('SELECT * FROM usage_events ORDER BY ts, id');
        return result.getRowObjects() as StoredEventRow[];
      } finally {
        await store.close();
      }
    },
    close,
  };
}

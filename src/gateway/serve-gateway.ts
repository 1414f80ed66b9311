import type { Level } from 'pino';
import type { App } from '../app/create-app.js';
import { openGatewayServices } from '../app/gateway/gateway-services.js';
import { startGateway } from './listen-gateway.js';

/** What `unitcost gateway` was asked for, checked: where to listen and where the events go. */
export interface GatewayRunSettings {
  host: string;
  port: number;
  db?: string | undefined;
  forward?: string | undefined;
  logLevel: Level | 'silent';
}

/** Where the gateway says what it is doing: the terminal, or the thread's messages to it. */
export interface GatewayRunIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const loopback = /^(127\.|localhost$|::1$)/;

/**
 * Opens the gateway's services, listens, says where to point the SDKs, and once `until` resolves stops:
 * the calls in flight are answered and their events written before it returns. The same on the thread
 * `unitcost gateway` serves from (gateway-thread.ts) and on the calling thread.
 */
export async function serveGateway(app: App, settings: GatewayRunSettings, io: GatewayRunIo, until: Promise<void>): Promise<void> {
  const services = await openGatewayServices(app, {
    ...(settings.db === undefined ? {} : { db: settings.db }),
    ...(settings.forward === undefined ? {} : { forward: settings.forward }),
    onProblem: (message) => io.stderr(`unitcost gateway: ${message}\n`),
  });
  let running;
  try {
    running = await startGateway({ services, host: settings.host, port: settings.port, logLevel: settings.logLevel });
    io.stderr(`unitcost gateway recording to ${services.destination}\n`);
    for (const variable of services.config.unsetKeyVariables) io.stderr(`warning: ${variable} is not set: calls to the provider that names it will be refused\n`);
    if (!loopback.test(settings.host) && services.config.upstreams.some((upstream) => upstream.key !== undefined)) {
      io.stderr(`warning: listening on ${settings.host} with configured provider keys: anyone who reaches this port spends them\n`);
    }
    const shown = running.url.replace('://0.0.0.0:', '://localhost:');
    io.stdout(`gateway: ${shown}   OpenAI baseURL: ${shown}/v1   Anthropic baseURL: ${shown}\n`);
    await until;
    io.stderr('stopping: finishing calls in flight and writing their events\n');
  } finally {
    await running?.close();
    await services.close();
  }
}

import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { App } from '../app/create-app.js';
import { openServedGatewayServices } from '../app/gateway/served-gateway-services.js';
import { storeFile } from '../app/open-store.js';
import { openServerServices } from '../app/server-service.js';
import { writeServerDiscovery } from '../app/server-discovery.js';
import type { ServerServices } from '../app/server-types.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { startGateway } from '../gateway/start-gateway.js';
import { isLoopbackHost, startServer } from '../server/start-server.js';
import type { CliContext } from './cli-context.js';

// Two folders up from src/cli or dist/cli is the package root; `npm run build` puts the dashboard in dist/web.
const dashboardRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Options of `unitcost serve`. */
export interface ServeOptions {
  port: string;
  host?: string;
  db?: string;
  logLevel?: string;
  demo?: boolean;
  otlpPort?: string;
  gateway?: boolean;
  gatewayPort?: string;
  gatewayHost?: string;
  maxBatchItems?: string;
  intakeLog?: boolean;
  intakeWait?: string;
}

// The demo `npm start` loads: three months of four features, big enough for every chart, quick to load.
const demoEvents = 300_000;
const demoDays = 90;

// The port of `unitcost gateway`, so that an app's baseURL does not change between the two ways to run it.
const defaultGatewayPort = 8788;

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** Registers `unitcost serve`: the HTTP API and the dashboard over the store. */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('serve the HTTP API (same JSON as the CLI) and the web dashboard over the store')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8787')
    .option('--host <address>', 'address to listen on once an API key exists (default 0.0.0.0); loopback only while there is none')
    .option('--db <file>', 'the store file (default: $UNITCOST_DB, the config, or ./unitcost.duckdb)')
    .option('--demo', `fill the store with demo traffic first when it holds no calls (${demoEvents.toLocaleString('en-US')} records over ${demoDays} days)`)
    .option('--otlp-port <n>', 'also listen on this port, e.g. 4318 where OTLP exporters send by default (POST /v1/traces is on --port too)')
    .option('--gateway', 'also run the OpenAI- and Anthropic-compatible gateway (as `unitcost gateway`) on its own port, recording into this server')
    .option('--gateway-port <n>', 'the gateway\'s port (default 8788, as `unitcost gateway`; implies --gateway)')
    .option('--gateway-host <address>', 'the gateway\'s address (default 127.0.0.1): it spends provider keys and asks for no unitcost key, so keep it on loopback unless something else guards it')
    .option('--max-batch-items <n>', 'records one POST /v1/events may carry (default 10000); /healthz says it, and `unitcost push` sizes its batches by it')
    .option('--intake-log', 'answer a POST /v1/events of new records once it is synced to <db>.intake, and commit many together (faster under load)')
    .option('--intake-wait <ms>', 'how long answered batches may wait for their commit (default 1000; a read commits them first; implies --intake-log)')
    .option('--log-level <level>', `request log level: ${logLevels.join(', ')} (default: info, or warn on a terminal)`)
    .addHelpText(
      'after',
      `
Routes: /openapi.json describes them all. POST /v1/events takes JSON arrays or NDJSON (gzip accepted);
POST /v1/traces is an OTLP/HTTP trace receiver (protobuf or JSON): point an exporter at
OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 with --otlp-port 4318, and its GenAI spans become calls;
GET /v1/models, /v1/estimate, /v1/report, /v1/kpis answer as the CLI's --json. The dashboard is at /.
With --gateway, the gateway of \`unitcost gateway\` runs beside it on its own port (8788), so the SDKs'
baseURL is the same either way: new OpenAI({ baseURL: 'http://127.0.0.1:8788/v1' }), new Anthropic({
baseURL: 'http://127.0.0.1:8788' }). Its own port, not a path of this one: the gateway's routes are the
providers' (its GET /v1/models lists upstream models, this server's lists prices), it answers in their
error shapes, and it stays on loopback while this server may listen on 0.0.0.0. Its calls are written
through this server's write queue, so reports and the dashboard show them as they come.
While it runs, DuckDB keeps the store from every other process: \`unitcost report\`, \`kpis\` and \`simulate\` on
the same store ask this server instead (it names itself in <db>.server.json; key from $UNITCOST_API_KEY),
and commands that write (ingest, import, reprice, demo) say to stop it or to POST the events to it.
Each POST /v1/events is answered once its commit holds it, concurrent ones committed together. With --intake-log
a batch of new records is answered once its body is written and synced to <db>.intake, and committed with
others within a second, or before any read; one that may repeat a stored record still waits for its commit,
which says its duplicates and conflicts. Answered records not yet committed when a server stops are stored by
whatever opens the store next (this server restarted, or any command).
Keys: \`unitcost keys create --name N --scope ingest|read|admin\`; requests send "Authorization: Bearer <key>".
With no key the server listens on 127.0.0.1 only and needs none.

Examples:
  unitcost serve                           http://127.0.0.1:8787 on ./unitcost.duckdb
  unitcost serve --port 9000 --db events.duckdb
  unitcost serve --otlp-port 4318          OpenTelemetry exporters' default endpoint too
  unitcost serve --gateway                 and the gateway on http://127.0.0.1:8788, recording into the same store
  unitcost serve --intake-log              answer batches from the intake log: for many clients posting at once
  curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/x-ndjson' --data-binary @events.jsonl localhost:8787/v1/events`,
    )
    .action((options: ServeOptions) => runServe(options, context));
}

/** Starts the server and resolves once a signal has stopped it and the store is closed. */
export async function runServe(options: ServeOptions, context: CliContext, until: Promise<void> = stopSignal()): Promise<void> {
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65_535) throw new UnitcostError('invalid_argument', `--port must be a port number from 0 to 65535, got "${options.port}"`, { field: '--port' });
  const maxBatchItems = options.maxBatchItems === undefined ? undefined : Number(options.maxBatchItems);
  if (maxBatchItems !== undefined && (!Number.isInteger(maxBatchItems) || maxBatchItems <= 0)) {
    throw new UnitcostError('invalid_argument', `--max-batch-items must be a positive whole number, got "${options.maxBatchItems}"`, { field: '--max-batch-items' });
  }
  const otlpPort = options.otlpPort === undefined ? undefined : Number(options.otlpPort);
  if (options.otlpPort !== undefined && (!/^\d+$/.test(options.otlpPort) || otlpPort! > 65_535)) {
    throw new UnitcostError('invalid_argument', `--otlp-port must be a port number from 0 to 65535, got "${options.otlpPort}"`, { field: '--otlp-port' });
  }
  const gatewayPort = options.gateway || options.gatewayPort !== undefined ? Number(options.gatewayPort ?? defaultGatewayPort) : undefined;
  if (options.gatewayPort !== undefined && (!/^\d+$/.test(options.gatewayPort) || gatewayPort! > 65_535)) {
    throw new UnitcostError('invalid_argument', `--gateway-port must be a port number from 0 to 65535, got "${options.gatewayPort}"`, { field: '--gateway-port' });
  }
  const logLevel = options.logLevel ?? (context.io.isTty ? 'warn' : 'info');
  if (!(logLevels as readonly string[]).includes(logLevel)) throw new UnitcostError('invalid_argument', `--log-level must be one of ${logLevels.join(', ')}, got "${logLevel}"`, { field: '--log-level' });

  const intakeWaitMs = options.intakeWait === undefined ? undefined : Number(options.intakeWait);
  if (intakeWaitMs !== undefined && (!/^\d+$/.test(options.intakeWait!) || intakeWaitMs > 3_600_000)) {
    throw new UnitcostError('invalid_argument', `--intake-wait must be a whole number of milliseconds up to 3600000, got "${options.intakeWait}"`, { field: '--intake-wait' });
  }
  const app = context.app();
  if ((options.intakeLog || intakeWaitMs !== undefined) && app.clickhouse !== undefined && options.db === undefined) {
    throw new UnitcostError('invalid_argument', '--intake-log needs the embedded DuckDB store: this config stores in ClickHouse, where each batch is answered after its insert; drop --intake-log, or name a DuckDB file with --db', { field: '--intake-log' });
  }
  const { services, demo, warnings } = await openServerServices(app, {
    ...(options.db === undefined ? {} : { db: options.db }),
    onProblem: (message) => context.io.stderr(`warning: ${message}\n`),
    ...(options.intakeLog || intakeWaitMs !== undefined ? { intakeLog: { ...(intakeWaitMs === undefined ? {} : { maxWaitMs: intakeWaitMs }) } } : {}),
    ...(options.demo
      ? { demoWhenEmpty: { events: demoEvents, days: demoDays, onStart: () => context.io.stderr(`the store is empty: filling it with demo traffic (${demoEvents.toLocaleString('en-US')} records over ${demoDays} days)…\n`) } }
      : {}),
  });
  for (const warning of warnings) context.io.stderr(`warning: ${warning}\n`);
  if (demo) context.io.stderr(`demo loaded: ${demo.usageEvents.toLocaleString('en-US')} calls, ${demo.outcomes.toLocaleString('en-US')} task outcomes, ${demo.revenue.toLocaleString('en-US')} revenue records\n`);
  let running;
  let gateway: RunningServeGateway | undefined;
  let removeDiscovery: (() => void) | undefined;
  try {
    const keyed = services.keys.hasActiveKeys();
    const host = keyed ? (options.host ?? '0.0.0.0') : '127.0.0.1';
    running = await startServer({
      services,
      host,
      port,
      dashboardRoot,
      logLevel: logLevel as (typeof logLevels)[number],
      ...(otlpPort === undefined ? {} : { otlpPort }),
      ...(maxBatchItems === undefined ? {} : { limits: { maxItems: maxBatchItems } }),
    });
    context.io.stderr(`unitcost serving ${services.storeLocation}\n`);
    if (!keyed) {
      const ignored = options.host !== undefined && !isLoopbackHost(options.host) ? ` (--host ${options.host} ignored)` : '';
      context.io.stderr(`no API key configured: listening on loopback only${ignored}, and requests need no key; create one with \`unitcost keys create\` to serve other machines\n`);
    } else {
      context.io.stderr('API keys required: send "Authorization: Bearer <key>"\n');
    }
    // Other unitcost commands on this store meet DuckDB's lock: this file tells them where to ask instead. A
    // ClickHouse database has no lock (every command and server opens it at once), so it has no such file.
    if (storeFile(app, options.db === undefined ? {} : { db: options.db }) !== null) {
      removeDiscovery = writeServerDiscovery(services.storeLocation, { url: running.url.replace('://0.0.0.0:', '://127.0.0.1:'), startedAt: app.now() });
    }
    const shownUrl = running.url.replace('://0.0.0.0:', '://localhost:');
    context.io.stdout(`dashboard: ${shownUrl}/   API: ${shownUrl}/openapi.json\n`);
    if (running.otlpUrl) context.io.stdout(`OTLP traces: ${running.otlpUrl.replace('://0.0.0.0:', '://localhost:')}/v1/traces\n`);
    if (gatewayPort !== undefined) {
      gateway = await startServeGateway(context, app, services, { host: options.gatewayHost ?? '127.0.0.1', port: gatewayPort, logLevel: logLevel as (typeof logLevels)[number] });
    }
    await until;
    context.io.stderr('stopping: finishing requests in flight and queued writes\n');
  } finally {
    removeDiscovery?.();
    // The gateway first: its last calls are recorded through the server's queue, which must still be open.
    await gateway?.close();
    await running?.close();
    await services.close();
  }
}

interface RunningServeGateway {
  close(): Promise<void>;
}

/** Starts the gateway beside the server, its events written by the server's own queue, and says where to point the SDKs. */
async function startServeGateway(
  context: CliContext,
  app: App,
  server: ServerServices,
  listen: { host: string; port: number; logLevel: (typeof logLevels)[number] },
): Promise<RunningServeGateway> {
  const services = await openServedGatewayServices(app, server, { onProblem: (message) => context.io.stderr(`unitcost gateway: ${message}\n`) });
  let running;
  try {
    running = await startGateway({ services, host: listen.host, port: listen.port, logLevel: listen.logLevel });
  } catch (error) {
    await services.close();
    throw error instanceof UnitcostError && error.details?.field === '--port'
      ? new UnitcostError('invalid_argument', error.message.replace('--port', '--gateway-port'), { field: '--gateway-port' }, { cause: error })
      : error;
  }
  for (const variable of services.config.unsetKeyVariables) context.io.stderr(`warning: ${variable} is not set: gateway calls to the provider that names it will be refused\n`);
  if (!isLoopbackHost(listen.host) && services.config.upstreams.some((upstream) => upstream.key !== undefined)) {
    context.io.stderr(`warning: the gateway listens on ${listen.host} with configured provider keys: anyone who reaches its port spends them\n`);
  }
  const shown = running.url.replace('://0.0.0.0:', '://localhost:');
  context.io.stdout(`gateway: ${shown}   OpenAI baseURL: ${shown}/v1   Anthropic baseURL: ${shown}\n`);
  const gateway = running;
  return {
    close: async () => {
      // Calls in flight finish and are recorded; then the recorder hands its last events to the server's queue.
      await gateway.close();
      await services.close();
    },
  };
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

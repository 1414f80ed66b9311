import type { Command } from 'commander';
import { openGatewayServices } from '../app/gateway/gateway-services.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { disablePretenuring, startGateway } from '../gateway/start-gateway.js';
import type { CliContext } from './cli-context.js';

/** Options of `unitcost gateway`. */
export interface GatewayCommandOptions {
  port: string;
  host: string;
  db?: string;
  forward?: string;
  logLevel?: string;
}

const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
const loopback = /^(127\.|localhost$|::1$)/;

/** Registers `unitcost gateway`: the OpenAI- and Anthropic-compatible proxy that records every call. */
export function registerGatewayCommand(program: Command, context: CliContext): void {
  program
    .command('gateway')
    .description('an OpenAI- and Anthropic-compatible proxy: point an SDK\'s baseURL at it and every call is recorded with its cost')
    .option('--port <n>', 'port to listen on (0 picks a free one)', '8788')
    .option('--host <address>', 'address to listen on; the gateway has no keys of its own, so keep it on loopback unless something else guards it', '127.0.0.1')
    .option('--db <file>', 'record into this store file (default: $UNITCOST_DB, the config, or ./unitcost.duckdb)')
    .option('--forward <url>', 'send the events to a running `unitcost serve` instead (POST /v1/events; key from $UNITCOST_API_KEY)')
    .option('--log-level <level>', `request log level: ${logLevels.join(', ')} (default: info, or warn on a terminal)`)
    .addHelpText(
      'after',
      `
Point the official SDKs at the gateway; nothing else in the app changes:
  new OpenAI({ baseURL: 'http://127.0.0.1:8788/v1' })       chat.completions, responses, embeddings, models
  new Anthropic({ baseURL: 'http://127.0.0.1:8788' })       messages (streamed or not), count_tokens, models
  Python: OpenAI(base_url="http://127.0.0.1:8788/v1"), Anthropic(base_url="http://127.0.0.1:8788")

Tag each call with headers, e.g. defaultHeaders or per request; they are read and not sent upstream:
  x-unitcost-feature: support-faq     x-unitcost-team: support      x-unitcost-user-tier: pro
  x-unitcost-user: user-123           x-unitcost-session: chat-9    x-unitcost-task: ticket-9
  x-unitcost-step: 2                  x-unitcost-provider: NAME (pick an upstream of gateway.providers)

Upstreams live in the config under gateway.providers (OpenAI and Anthropic by default); the client's own
key is passed through unless a provider names api_key_env:
  { "gateway": { "providers": {
      "openai": { "api_key_env": "OPENAI_API_KEY" },
      "openrouter": { "api": "openai", "base_url": "https://openrouter.ai/api/v1", "models": ["meta-llama/*"], "price_as": "openai" } },
    "policies": {
      "output_caps": [ { "when": { "user_tier": "free" }, "max_output_tokens": 512 } ],
      "routes": [ { "when": { "user_tier": "free", "model": "gpt-4.1" }, "to": { "model": "gpt-4.1-mini" } } ],
      "response_cache": [ { "when": { "feature": "support-faq" }, "ttl_seconds": 3600, "max_entries": 10000 } ],
      "sessions": [ { "when": { "feature": "coding-agent" }, "max_calls": 50, "max_usd": 5 } ] } },
    "budgets": [ { "name": "team-daily", "per": "team", "period": "day", "limit_usd": 50, "mode": "hard" },
                 { "name": "all-monthly", "period": "month", "limit_usd": 5000, "mode": "soft" } ] }
Caps, routes, caches and session limits apply the first rule that matches. The response cache answers an identical
request (streamed or not) of the same client key and team from memory (x-unitcost-cache: hit, zero tokens).
A session (x-unitcost-session) past its max_calls or max_usd is refused with a 429; sessions are counted in
the gateway's memory, so a restart forgets them. Budgets are the config's top-level budgets (per team,
feature, user_tier, user_id or session_id, or over all spend without per): a hard one answers 429 once
spent, a soft one lets calls through and logs. Each call reserves its worst case first, so concurrent
calls cannot overspend a budget together.

Answers carry x-unitcost-cost-usd (not streams: their cost is known only at the end), x-unitcost-route
and x-unitcost-cache. Events are written in the background, after the answer; stop with Ctrl-C to flush.
A store file takes one writer: while \`unitcost serve\` holds it, run the gateway with --forward, or run
\`unitcost serve --gateway\`, which serves this gateway on port 8788 beside the server and its dashboard.

Examples:
  unitcost gateway                                   http://127.0.0.1:8788, events into ./unitcost.duckdb
  unitcost gateway --forward http://127.0.0.1:8787   events to a running unitcost serve`,
    )
    .action((options: GatewayCommandOptions) => runGateway(options, context));
}

/** Starts the gateway and resolves once a signal has stopped it and its events are written. */
export async function runGateway(options: GatewayCommandOptions, context: CliContext, until: Promise<void> = stopSignal()): Promise<void> {
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65_535) throw new UnitcostError('invalid_argument', `--port must be a port number from 0 to 65535, got "${options.port}"`, { field: '--port' });
  if (options.db !== undefined && options.forward !== undefined) {
    throw new UnitcostError('invalid_argument', '--db and --forward exclude each other: record into a store file, or send to a server', { field: '--forward' });
  }
  if (options.forward !== undefined && !/^https?:\/\/[^\s/]+/.test(options.forward)) {
    throw new UnitcostError('invalid_argument', `--forward must be the URL of a unitcost server, e.g. http://127.0.0.1:8787, got "${options.forward}"`, { field: '--forward' });
  }
  const logLevel = options.logLevel ?? (context.io.isTty ? 'warn' : 'info');
  if (!(logLevels as readonly string[]).includes(logLevel)) throw new UnitcostError('invalid_argument', `--log-level must be one of ${logLevels.join(', ')}, got "${logLevel}"`, { field: '--log-level' });

  // Before the store's worker starts and the first call is served: the flag is the process's, the worker's included.
  disablePretenuring();
  const services = await openGatewayServices(context.app(), {
    ...(options.db === undefined ? {} : { db: options.db }),
    ...(options.forward === undefined ? {} : { forward: options.forward }),
    onProblem: (message) => context.io.stderr(`unitcost gateway: ${message}\n`),
  });
  let running;
  try {
    running = await startGateway({ services, host: options.host, port, logLevel: logLevel as (typeof logLevels)[number] });
    context.io.stderr(`unitcost gateway recording to ${services.destination}\n`);
    for (const variable of services.config.unsetKeyVariables) context.io.stderr(`warning: ${variable} is not set: calls to the provider that names it will be refused\n`);
    if (!loopback.test(options.host) && services.config.upstreams.some((upstream) => upstream.key !== undefined)) {
      context.io.stderr(`warning: listening on ${options.host} with configured provider keys: anyone who reaches this port spends them\n`);
    }
    const shown = running.url.replace('://0.0.0.0:', '://localhost:');
    context.io.stdout(`gateway: ${shown}   OpenAI baseURL: ${shown}/v1   Anthropic baseURL: ${shown}\n`);
    await until;
    context.io.stderr('stopping: finishing calls in flight and writing their events\n');
  } finally {
    await running?.close();
    await services.close();
  }
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

import { randomUUID } from 'node:crypto';
import { loadGatewayConfig, type LoadedGatewayConfig } from '../../config/gateway-config.js';
import { BudgetLedger } from '../../core/gateway/budget-ledger.js';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { ResponseCache } from '../../core/gateway/response-cache.js';
import { SemanticCache } from '../../core/gateway/semantic-cache.js';
import { SessionLedger } from '../../core/gateway/session-ledger.js';
import { parseEventRecord } from '../../core/events/parse-event-record.js';
import { priceUsageEvent } from '../../core/events/to-stored-row.js';
import { hashContent } from '../../ingest/hash-content.js';
import type { App } from '../create-app.js';
import { RecordIngester } from '../ingest/record-ingester.js';
import { openStore } from '../open-store.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { SerialQueue } from '../serial-queue.js';
import { EventRecorder, type RecorderCounters, type RecorderOptions } from './event-recorder.js';
import { forwardDelivery } from './forward-delivery.js';
import { readBudgetSpend } from './read-budget-spend.js';
import { storeSpendReader } from './store-spend-reader.js';
import { storeDelivery } from './store-delivery.js';
import { startAdaptiveStoreDelivery } from './adaptive-store-delivery.js';
import { storeWriterProcessAvailable } from './process-store-delivery.js';

/** The services `unitcost gateway` is a shell over: its config, the clock, pricing and the recorder. */
export interface GatewayServices {
  /** The gateway section, with each upstream's key read from the environment. */
  config: Omit<LoadedGatewayConfig, 'forwardKey'>;
  /** Where events go, for the start message: the store file or the server's URL. */
  destination: string;
  /** The wall clock in epoch milliseconds, for event timestamps. */
  now(): number;
  /** A new id for an upstream call, fixed before the call ends so that a re-sent event stays one call. */
  newCallId(): string;
  /** The cost the store will give the event, in picodollars, or null when the catalog cannot price it. */
  priceOf(event: GatewayUsageEvent): number | null;
  /** Spend and reservations of the config's budgets, with what the store says was spent before start. */
  budgets: BudgetLedger;
  /** The exact response caches of gateway.policies.response_cache, in this process's memory. */
  responseCache: ResponseCache<CachedAnswer>;
  /** The semantic caches of gateway.policies.semantic_cache, in this process's memory. */
  semanticCache: SemanticCache<CachedAnswer>;
  /** Calls and spend per session under gateway.policies.sessions, in this process's memory. */
  sessions: SessionLedger;
  /** Queues the event for the store or the server; never waits for the write. */
  record(event: GatewayUsageEvent): void;
  recorderCounters(): RecorderCounters;
  /** Delivers the queued events, then releases the store. */
  close(): Promise<void>;
}

/** An upstream's 200 answer as the response cache holds it: enough to answer the same request again. */
export interface CachedAnswer {
  body: string;
  contentType: string;
  /** The upstream's id of the response, recorded on each hit so that a hit can be traced to the call it replays. */
  upstreamId: string | undefined;
}

/** Where the gateway's events go, and what to tell about losses. */
export interface GatewayServiceOptions {
  /** The store file; the default is the app's (--db, UNITCOST_DB, the config, ./unitcost.duckdb). */
  db?: string;
  /** A unitcost server's URL to send events to instead of a store file. */
  forward?: string;
  environment?: NodeJS.ProcessEnv;
  onProblem?: (message: string) => void;
  recorder?: Omit<RecorderOptions, 'onProblem'>;
  /**
   * Whether a DuckDB store is written by a process of its own; the default is yes wherever one can start (the
   * built CLI, or tsx). Tests pass it to pin one path.
   */
  storeWriterProcess?: boolean;
}

/**
 * Wires the gateway: its config with keys from the environment, and a recorder that writes events in the
 * background, by the same committed, idempotent path as POST /v1/events (a store file of its own; DuckDB
 * takes one writer per file) or to a running unitcost server (--forward).
 */
export async function openGatewayServices(app: App, options: GatewayServiceOptions = {}): Promise<GatewayServices> {
  const { forwardKey, ...config } = loadGatewayConfig(app.config.gateway, options.environment);
  const onProblem = options.onProblem ?? defaultOnProblem;
  const budgets = app.config.budgets;
  if (options.forward !== undefined) {
    if (budgets.length > 0) onProblem('with --forward the gateway cannot read what its budgets spent before it started: they count from zero');
    const recorder = new EventRecorder(forwardDelivery(options.forward, { apiKey: forwardKey, onProblem }), { ...options.recorder, onProblem });
    return assembleGatewayServices(app, { config, destination: options.forward, budgets: new BudgetLedger(budgets), recorder, release: async () => {} });
  }
  const store = await openStore(app, { ...(options.db === undefined ? {} : { db: options.db }), smallCommits: true });
  let ledger: BudgetLedger;
  try {
    ledger = await readBudgetSpend(budgets, app.now().getTime(), storeSpendReader(app, store));
  } catch (error) {
    await store.close();
    throw error;
  }
  const now = (): number => app.now().getTime();
  if (store instanceof DuckdbStore && (options.storeWriterProcess ?? storeWriterProcessAvailable())) {
    // The file was opened here for its errors (in use by `unitcost serve`, a newer schema) and the budgets' spend;
    // DuckDB lets one process write a file, so it is released before the writer opens it.
    await store.close();
    const overrides = { models: app.config.models, discounts: app.config.discounts, prices: app.config.prices };
    const writer = await startAdaptiveStoreDelivery(store.location, { providers: app.priceData.providers, overrides }, { now, onProblem });
    const recorder = new EventRecorder(writer.deliver, { ...options.recorder, onProblem });
    return assembleGatewayServices(app, { config, destination: store.location, budgets: ledger, recorder, release: () => writer.close() });
  }
  const writes = new SerialQueue();
  const ingester = new RecordIngester(store, (task) => writes.run(task), { catalog: app.catalog, hashContent });
  const recorder = new EventRecorder(
    storeDelivery((records, source) => ingester.ingest(records, { nowMs: now(), source }), onProblem),
    { ...options.recorder, onProblem },
  );
  return assembleGatewayServices(app, {
    config,
    destination: store.location,
    budgets: ledger,
    recorder,
    release: async () => {
      await writes.drain();
      await store.close();
    },
  });
}

/** What differs between a gateway of its own and one mounted in `unitcost serve`: where events go and what closing releases. */
export interface GatewayParts {
  config: GatewayServices['config'];
  destination: string;
  budgets: BudgetLedger;
  recorder: EventRecorder;
  /** Runs after the recorder has delivered its last events. */
  release(): Promise<void>;
}

/** The gateway's services over its parts: the clock, ids and pricing, which are the same wherever events go. */
export function assembleGatewayServices(app: App, parts: GatewayParts): GatewayServices {
  const { recorder } = parts;
  return {
    config: parts.config,
    destination: parts.destination,
    now: () => app.now().getTime(),
    newCallId: () => `gw_${randomUUID()}`,
    // Priced by the very functions the store's write path runs, so the header a client sees is the stored cost;
    // the row's content hash is left to the write path (hashing it here too was ~2% of this thread at 1,000 calls/s).
    priceOf: (event) => {
      const parsed = parseEventRecord(event, { nowMs: app.now().getTime() });
      if (!parsed.ok || parsed.record.type !== 'usage') return null;
      const pricing = priceUsageEvent(parsed.record, app.catalog);
      return pricing.ok && pricing.cost !== null ? pricing.cost.total : null;
    },
    budgets: parts.budgets,
    responseCache: new ResponseCache<CachedAnswer>(parts.config.policies.response_cache),
    semanticCache: new SemanticCache<CachedAnswer>(parts.config.policies.semantic_cache),
    sessions: new SessionLedger(parts.config.policies.sessions),
    record: (event) => recorder.record(event),
    recorderCounters: () => recorder.counters(),
    close: async () => {
      await recorder.close();
      await parts.release();
    },
  };
}

// Where a problem goes when the caller names no place: a process warning, never the events' content.
function defaultOnProblem(message: string): void {
  process.emitWarning(message, 'UnitcostGatewayWarning');
}

import { randomUUID } from 'node:crypto';
import { loadGatewayConfig, type LoadedGatewayConfig } from '../../config/gateway-config.js';
import { BudgetLedger } from '../../core/gateway/budget-ledger.js';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { parseEventRecord } from '../../core/events/parse-event-record.js';
import { toStoredUsageRow } from '../../core/events/to-stored-row.js';
import { hashContent } from '../../ingest/hash-content.js';
import type { App } from '../create-app.js';
import { RecordIngester } from '../ingest-records.js';
import { openStore } from '../open-store.js';
import { SerialQueue } from '../serial-queue.js';
import { EventRecorder, type RecorderCounters, type RecorderOptions } from './event-recorder.js';
import { forwardDelivery } from './forward-delivery.js';
import { readBudgetSpend } from './read-budget-spend.js';
import { storeDelivery } from './store-delivery.js';

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
  /** Spend and reservations of gateway.policies.budgets, with what the store says was spent before start. */
  budgets: BudgetLedger;
  /** Queues the event for the store or the server; never waits for the write. */
  record(event: GatewayUsageEvent): void;
  recorderCounters(): RecorderCounters;
  /** Delivers the queued events, then releases the store. */
  close(): Promise<void>;
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
}

/**
 * Wires the gateway: its config with keys from the environment, and a recorder that writes events in the
 * background, by the same committed, idempotent path as POST /v1/events (a store file of its own; DuckDB
 * takes one writer per file) or to a running unitcost server (--forward).
 */
export async function openGatewayServices(app: App, options: GatewayServiceOptions = {}): Promise<GatewayServices> {
  const { forwardKey, ...config } = loadGatewayConfig(app.config.gateway, options.environment);
  const onProblem = options.onProblem ?? ((message: string) => process.emitWarning(message, 'UnitcostGatewayWarning'));
  const rowContext = { catalog: app.catalog, hashContent };
  let destination: string;
  let release = async (): Promise<void> => {};
  let recorder: EventRecorder;
  let budgets = new BudgetLedger(config.policies.budgets);
  if (options.forward !== undefined) {
    destination = options.forward;
    if (config.policies.budgets.length > 0) onProblem('with --forward the gateway cannot read what its budgets spent before it started: they count from zero');
    recorder = new EventRecorder(forwardDelivery(options.forward, { apiKey: forwardKey, onProblem }), { ...options.recorder, onProblem });
  } else {
    const store = await openStore(app, options.db === undefined ? {} : { db: options.db });
    const writes = new SerialQueue();
    const ingester = new RecordIngester(store, (task) => writes.run(task), rowContext);
    destination = store.location;
    try {
      if (config.policies.budgets.length > 0) budgets = await readBudgetSpend(app, store, config.policies.budgets, app.now().getTime());
    } catch (error) {
      await store.close();
      throw error;
    }
    recorder = new EventRecorder(
      storeDelivery((records, source) => ingester.ingest(records, { nowMs: app.now().getTime(), source }), onProblem),
      { ...options.recorder, onProblem },
    );
    release = async () => {
      await writes.drain();
      await store.close();
    };
  }
  return {
    config,
    destination,
    now: () => app.now().getTime(),
    newCallId: () => `gw_${randomUUID()}`,
    // Priced by the very functions the store's write path runs, so the header a client sees is the stored cost.
    priceOf: (event) => {
      const parsed = parseEventRecord(event, { nowMs: app.now().getTime() });
      if (!parsed.ok || parsed.record.type !== 'usage') return null;
      const row = toStoredUsageRow(parsed.record, rowContext);
      return row.ok ? row.row.costTotal : null;
    },
    budgets,
    record: (event) => recorder.record(event),
    recorderCounters: () => recorder.counters(),
    close: async () => {
      await recorder.close();
      await release();
    },
  };
}

import type { OtlpEncoding } from '../ingest/otlp/decode-otlp-traces.js';
import type { FocusExporter } from '../store/focus-exporter.js';
import type { ReconcileReader } from '../store/reconcile-reader.js';
import type { ReportReader } from '../store/report-reader.js';
import type { TraceCounters, TraceIngestResult } from './capture/trace-ingest-result.js';
import type { App } from './create-app.js';
import type { ApiKeys } from './api-keys.js';
import type { BudgetStatusFlags } from './governance/budget-status-service.js';
import type { StatementFlags } from './governance/statement-service.js';
import type { IncidentServices } from './governance/alert-delivery-service.js';
import type { GatewayEffectsFlags } from './gateway/lever-effects-service.js';
import type { KpiFlags, ReportFlags } from './server-reports.js';
import type { SimulateRequest } from './simulate-service.js';
import type { PlansOptions } from './plans/plans-service.js';
import type { PostedBody, RawRecord, RecordResult } from '../ingest/posted-records.js';

export type { PostedBody, RawRecord, RecordResult } from '../ingest/posted-records.js';

/**
 * A batch's outcome, sent back only once its accepted records are committed. Accepted means in the store:
 * stored by this request, or already stored with the same content (a retry), which changes nothing.
 */
export interface BatchResult {
  received: number;
  /** Records in the store after this request: newly stored plus duplicates (kept so for clients that count on it). */
  accepted: number;
  /** How many of the accepted were already stored with the same content: stored by an earlier request. */
  duplicates: number;
  rejected: number;
  /** Accepted calls whose model has no price yet: stored without a cost, for `unitcost reprice`. */
  unpriced: number;
  results: RecordResult[];
}

/** What POST /v1/events has done since the server started, for /metrics. */
export interface IngestCounters {
  /** Records newly stored. */
  inserted: number;
  /** Records already stored with the same content. */
  duplicates: number;
  /** Records refused: invalid, or an id stored with other content. */
  rejected: number;
  /** Posted bodies read, validated and priced on the conversion worker and on the server's own thread. */
  bodiesConverted?: { onWorker: number; onServerThread: number };
  /** Posted bodies answered once in the intake log, before their commit (record-ingester.ts). */
  answeredBeforeCommit?: number;
}

/** How the server's reads were answered since it started, for /metrics. */
export interface ReadCounters {
  /** Reads answered with the answer kept since the last batch. */
  kept: number;
  /** Reads computed from the store (reports by user or session, never kept, are not counted). */
  computed: number;
  /** Background warm-ups finished: summaries refreshed and the default KPIs computed after new data. */
  warmups: number;
}

/** How a read is answered: fresh computes it again instead of using the answer kept since the last batch. */
export interface ReadOptions {
  fresh?: boolean;
}

/** The services `unitcost serve` is a thin shell over. */
export interface ServerServices {
  app: App;
  keys: ApiKeys;
  /** Where the store lives, for /healthz. */
  storeLocation: string;
  /** Validates, prices and stores a batch; resolves after the commit that holds it. */
  ingestBatch(records: RawRecord[], source: string): Promise<BatchResult>;
  /** Reads a posted body's records, then validates, prices and stores them as ingestBatch does; rejects with a UnitcostError when the body is refused whole. */
  ingestBody(body: PostedBody, source: string): Promise<BatchResult>;
  /** Totals of every batch so far. */
  ingestCounters(): IngestCounters;
  /** Decodes an OTLP export, turns its spans into usage events and task outcomes and stores them like a batch; rejects with MalformedTraceRequest when the body is not an export. */
  ingestTraces(body: Uint8Array, encoding: OtlpEncoding, source: string): Promise<TraceIngestResult>;
  /** Totals of every trace export so far. */
  traceCounters(): TraceCounters;
  /** How reads were answered so far. */
  readCounters(): ReadCounters;
  /** Runs a read on the store in its turn in the write queue (the store shares one connection with writes), e.g. a mounted gateway's budget spend or the recorded side of a reconciliation. */
  readStore<Result>(read: (reader: ReportReader & ReconcileReader & FocusExporter) => Promise<Result>): Promise<Result>;
  /**
   * The JSON of `unitcost report --json` for these flags (named as on the command line, without dashes).
   * Once the signal has fired (the client went away), a report still waiting for its turn is not run.
   */
  report(flags: ReportFlags, signal?: AbortSignal, options?: ReadOptions): Promise<unknown>;
  /** The JSON of `unitcost kpis --json` for these flags; skipped like a report once the signal has fired. */
  kpis(flags: KpiFlags, signal?: AbortSignal, options?: ReadOptions): Promise<unknown>;
  /** The JSON of `unitcost budgets --json` at an instant (default now); skipped like a report once the signal has fired, and never kept: it depends on the clock. */
  budgets(flags: BudgetStatusFlags, signal?: AbortSignal): Promise<unknown>;
  /** The JSON of `unitcost statement --format json`: showback, or a closed period's frozen statement; closing a period is the CLI's, on the file. */
  statements(flags: StatementFlags, signal?: AbortSignal): Promise<unknown>;
  /** What the gateway's policies did over a window, beside the what-if's estimate of each (GET /v1/gateway/effects); never kept: its default window follows the clock. */
  gatewayEffects(flags: GatewayEffectsFlags, signal?: AbortSignal): Promise<unknown>;
  /** Alert incidents, their acknowledgement and mutes (/v1/alerts/incidents, /v1/alerts/mutes). */
  alertIncidents: IncidentServices;
  /** The JSON of `unitcost simulate --json` for a scenario; skipped like a report once the signal has fired. */
  simulate(request: SimulateRequest, signal?: AbortSignal): Promise<unknown>;
  /** The JSON of `unitcost plans --json`: plans per user tier that reach a target margin; skipped like a report once the signal has fired. */
  plans(request: PlansOptions, signal?: AbortSignal): Promise<unknown>;
  /** Releases the store once queued writes have finished. */
  close(): Promise<void>;
}

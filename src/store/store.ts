import type { AlertStateStore } from './alert-state-store.js';
import type { ApiKeyTable } from './api-key-table.js';
import type { EventWriter } from './event-writer.js';
import type { FocusExporter } from './focus-exporter.js';
import type { GatewayEffectsReader } from './gateway-effects-reader.js';
import type { ReconcileReader } from './reconcile-reader.js';
import type { RecordScanner } from './record-scanner.js';
import type { ReportReader } from './report-reader.js';
import type { SimulationReplayer } from './simulation-replayer.js';
import type { StatementLedger } from './statement-ledger.js';

/**
 * A storage backend: writes events and answers report queries. Every backend passes the one contract
 * suite in store-contract.ts.
 */
export interface Store extends EventWriter, ReportReader, SimulationReplayer, GatewayEffectsReader, StatementLedger, ReconcileReader, RecordScanner, FocusExporter {
  /** Where the store lives, for messages (a file path, a URL). */
  readonly location: string;
  /** Releases the store's files and connections. */
  close(): Promise<void>;
  /**
   * Brings what reads derive from the records (report summaries) up to date with every write so far, so that
   * the next report or KPI read does not pay for it: called once a command's writes are done. Reads stay
   * correct without it: a store that derives lazily does it on the next read, and may leave it to that read
   * when it is cheap there (DuckDB's summaries, refreshed within the read's own connection).
   */
  prepareReads(): Promise<void>;
  /** The API keys of `unitcost serve`, kept in the store. */
  apiKeyTable(): ApiKeyTable;
  /** Alert delivery's state (incidents, mutes, the webhook outbox), kept in the store; close it before the store. */
  openAlertState(): Promise<AlertStateStore & { close(): void }>;
}

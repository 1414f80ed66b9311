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
  /** The API keys of `unitcost serve`, kept in the store. */
  apiKeyTable(): ApiKeyTable;
  /** Alert delivery's state (incidents, mutes, the webhook outbox), kept in the store; close it before the store. */
  openAlertState(): Promise<AlertStateStore & { close(): void }>;
}

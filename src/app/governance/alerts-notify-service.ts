import { loadWebhookSecrets } from '../../config/webhook-secrets.js';
import { alertsCheckJson, type AlertsCheckJson } from '../../core/governance/alerts/fired-alert-json.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { OutboxCounts } from '../../store/alert-state-store.js';
import { isStoreInUse } from '../../store/duckdb/duckdb-database.js';
import type { Store } from '../../store/store.js';
import type { App } from '../create-app.js';
import { missingStoreFile, openStore, storePath } from '../open-store.js';
import { AlertDelivery } from './alert-delivery-service.js';
import { evaluateAlerts } from './evaluate-alerts.js';
import type { DispatcherOptions } from './webhook-dispatcher.js';

/** `unitcost alerts check --notify --json`: the check, and what delivery did with it. */
export interface AlertsNotifyJson extends AlertsCheckJson {
  delivery: {
    opened: string[];
    updated: string[];
    resolved: string[];
    /** Notifications queued by this run. */
    queued: number;
    /** Sent by this run (this run's and earlier runs' due retries). */
    delivered: number;
    failed_attempts: number;
    /** The outbox after this run: what waits for the next run's retry. */
    outbox: OutboxCounts;
  };
}

/**
 * `unitcost alerts check --notify`, for cron where no server runs: evaluates now, merges into the incidents
 * kept in the store (so a condition seen by every run is one incident and one notification), sends the due
 * webhook notifications once, and leaves failed ones in the outbox for the next run's retry.
 */
export async function runAlertsNotify(app: App, options: { db?: string; environment?: NodeJS.ProcessEnv; dispatcher?: DispatcherOptions } = {}): Promise<AlertsNotifyJson> {
  const db = options.db === undefined ? {} : { db: options.db };
  const path = storePath(app, db);
  const missing = missingStoreFile(app, db);
  if (missing !== null) throw new UnitcostError('not_found', `no store at ${missing}: run \`unitcost ingest FILE\` or \`unitcost demo\` first, or name one with --db`, { field: 'db' });
  let store: Store;
  try {
    store = await openStore(app, db);
  } catch (error) {
    if (!isStoreInUse(error)) throw error;
    throw new UnitcostError('invalid_argument', `the store ${path} is open in \`unitcost serve\`, which evaluates alerts and sends webhooks itself once ingest pauses: --notify is for when no server runs (plain \`unitcost alerts check\` asks the server)`, { field: '--notify' }, { cause: error });
  }
  try {
    const at = app.now();
    const fired = await evaluateAlerts(app, store, at.getTime());
    const delivery = await AlertDelivery.open(store, {
      webhooks: loadWebhookSecrets(app.config.alerts_delivery.webhooks, options.environment).webhooks,
      resolveAfterMissed: app.config.alerts_delivery.resolve_after_missed_evaluations,
      now: () => at,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
    try {
      const merged = await delivery.merge(fired);
      // One pass over what is due: a failure waits in the outbox for the next run, which cron makes the retry.
      await delivery.dispatcher.settled();
      const { outbox } = await delivery.incidents('open');
      const { opened, updated, resolved, queued } = merged;
      const counters = delivery.counters;
      return { ...alertsCheckJson(at, fired), delivery: { opened, updated, resolved, queued, delivered: counters.delivered, failed_attempts: counters.failedAttempts, outbox } };
    } finally {
      await delivery.close();
    }
  } finally {
    await store.close();
  }
}

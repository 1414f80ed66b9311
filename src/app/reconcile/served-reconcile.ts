import type { ReconcileProvider } from '../../core/reconcile/provider-report.js';
import type { Reconciliation } from '../../core/reconcile/reconcile-spend.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { App } from '../create-app.js';
import { adminApiDefaults } from './pull-admin-reports.js';
import { reconcileWithProvider, type RecordedReader } from './reconcile-service.js';

/**
 * The variable naming another admin API address per provider: a proxy in front of the provider, or a fake
 * admin API in tests. Unset, the provider's own address is used.
 */
export const adminBaseUrlEnv: Record<ReconcileProvider, string> = {
  openai: 'UNITCOST_OPENAI_ADMIN_BASE_URL',
  anthropic: 'UNITCOST_ANTHROPIC_ADMIN_BASE_URL',
};

/** A reconciliation as the server answers it: the CLI's JSON, and when its reports were pulled. */
export type ServedReconciliation = Reconciliation & { pulled_at: string };

export interface ServedReconcileOptions {
  app: App;
  /** Reads the recorded side through the server's own store (its connection, in its turn). */
  readRecorded: RecordedReader;
  /** Where the admin keys are read, at each pull (default process.env): a key set later is seen without a restart. */
  environment?: Record<string, string | undefined>;
  /** How long an answer is kept (default 5 minutes). */
  ttlMs?: number;
  /** A monotonic clock in ms, for the keeping (default performance.now). */
  clock?: () => number;
}

/** Answers for a provider and a window of whole UTC days [from, to); fresh pulls again even when an answer is kept. */
export type ServedReconcile = (request: { provider: ReconcileProvider; from: string; to: string; fresh?: boolean }) => Promise<ServedReconciliation>;

// A few providers times a few months: more than this and the oldest answer goes.
const maxKept = 24;

/**
 * `GET /v1/reconcile`: `unitcost reconcile PROVIDER --live` run by the server, with the admin key from the
 * server's environment. A pull pages through two or three admin endpoints and may wait out rate limits, so
 * each answer is kept a few minutes per (provider, window): a page refresh does not pull again. Concurrent
 * requests for one window share one pull; a failure is not kept.
 */
export function servedReconcile(options: ServedReconcileOptions): ServedReconcile {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? (() => performance.now());
  const kept = new Map<string, { until: number; answer: Promise<ServedReconciliation> }>();
  return (request) => {
    const environment = options.environment ?? process.env;
    const keyEnv = adminApiDefaults[request.provider].keyEnv;
    const adminKey = environment[keyEnv];
    if (adminKey === undefined || adminKey.trim() === '') {
      throw new UnitcostError(
        'invalid_argument',
        `the server has no ${request.provider} admin key: set ${keyEnv} in the environment of \`unitcost serve\` and restart it, or reconcile with saved report files: unitcost reconcile ${request.provider} usage.json cost.json --month YYYY-MM`,
        { field: keyEnv },
      );
    }
    const baseUrl = environment[adminBaseUrlEnv[request.provider]]?.trim() || undefined;
    const key = JSON.stringify([request.provider, request.from, request.to, baseUrl ?? null]);
    const now = clock();
    const entry = kept.get(key);
    if (entry && entry.until > now && !request.fresh) return entry.answer;
    const answer = reconcileWithProvider(
      options.app,
      { provider: request.provider, from: request.from, to: request.to, files: [], live: true, environment, ...(baseUrl === undefined ? {} : { adminBaseUrl: baseUrl }) },
      options.readRecorded,
    ).then((result) => ({ ...result, pulled_at: options.app.now().toISOString() }));
    kept.delete(key);
    kept.set(key, { until: now + ttlMs, answer });
    if (kept.size > maxKept) kept.delete(kept.keys().next().value!);
    answer.catch(() => {
      if (kept.get(key)?.answer === answer) kept.delete(key);
    });
    return answer;
  };
}

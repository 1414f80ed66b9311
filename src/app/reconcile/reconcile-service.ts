import type { ReconcileClass, ReconcileProvider } from '../../core/reconcile/provider-report.js';
import { reconcileSpend, type Reconciliation, type RecordedUsage } from '../../core/reconcile/reconcile-spend.js';
import { UnitcostError } from '../../core/unitcost-error.js';
import type { RecordedProviderDay } from '../../store/reconcile-reader.js';
import type { App } from '../create-app.js';
import { openStore } from '../open-store.js';
import { checkNoOverlap, loadReportFile, type LoadedReport } from './admin-report-sources.js';
import { adminApiDefaults, pullAdminReports } from './pull-admin-reports.js';

export interface ReconcileRequest {
  provider: ReconcileProvider;
  /** UTC days, from inclusive to exclusive. */
  from: string;
  to: string;
  /** Saved admin API answers; empty with `live`. */
  files: string[];
  live?: boolean;
  /** The environment variable holding the admin key (default OPENAI_ADMIN_KEY / ANTHROPIC_ADMIN_KEY). */
  adminKeyEnv?: string;
  adminBaseUrl?: string;
  /** The store file, when the recorded side is read from it (the CLI). */
  db?: string;
  environment?: Record<string, string | undefined>;
  onPage?: (endpoint: string, page: number) => void;
}

/**
 * `unitcost reconcile`: the provider's reports (files, or pulled live) against what the store recorded
 * over the same days. The store is opened, read and closed; nothing in it changes.
 */
export async function reconcileWithProvider(app: App, request: ReconcileRequest, readRecorded: RecordedReader = readRecordedFromStoreFile(app, request.db)): Promise<Reconciliation> {
  const fromMs = dayMs(request.from, '--from');
  const toMs = dayMs(request.to, '--to');
  if (toMs <= fromMs) throw new UnitcostError('invalid_argument', `--to (${request.to}) must be after --from (${request.from}): the window is [from, to)`, { field: '--to' });
  const reports = await loadReports(request, fromMs, toMs);
  checkNoOverlap(reports);
  const inWindow = (day: string): boolean => day >= request.from && day < request.to;
  for (const report of reports) {
    if (report.days.size > 0 && ![...report.days].some(inWindow)) {
      const sorted = [...report.days].sort();
      throw new UnitcostError('invalid_argument', `${report.source} covers ${sorted[0]} to ${sorted.at(-1)}, none of ${request.from} to ${request.to}: a report of another period?`, { field: '--from' });
    }
  }
  if (!reports.some((report) => report.kind === 'usage')) {
    throw new UnitcostError('invalid_argument', `no usage report among the inputs: reconciling needs ${request.provider}'s usage report (tokens per model); the cost report alone cannot tell untracked calls from a price difference`, { field: 'files' });
  }
  const recordedDays = await readRecorded({ provider: request.provider, range: { fromMs, toMs } });
  const catalogIds = new Map<string, string>();
  const canonicalModel = (model: string): string => {
    let id = catalogIds.get(model);
    if (id === undefined) {
      const lookup = app.catalog.findModel(model, { provider: request.provider });
      id = lookup.found ? lookup.model.model : model;
      catalogIds.set(model, id);
    }
    return id;
  };
  return reconcileSpend({
    provider: request.provider,
    report: {
      provider: request.provider,
      usage: reports.flatMap((report) => report.usage).filter((row) => inWindow(row.day)),
      costs: reports.flatMap((report) => report.costs).filter((row) => inWindow(row.day)),
      fromDay: request.from,
      toDay: request.to,
    },
    recorded: recordedDays.flatMap((day) => recordedRows(day, canonicalModel)),
    canonicalModel,
  });
}

/** How the recorded side is read: from the store file (the CLI), or through a running server's own store. */
export type RecordedReader = (query: { provider: string; range: { fromMs: number; toMs: number } }) => Promise<RecordedProviderDay[]>;

/** Opens the store file, reads, and closes it: the CLI's way, when no server holds the file. */
export function readRecordedFromStoreFile(app: App, db: string | undefined): RecordedReader {
  return async (query) => {
    const store = await openStore(app, db === undefined ? {} : { db });
    try {
      return await store.recordedByProviderDay(query);
    } finally {
      await store.close();
    }
  };
}

async function loadReports(request: ReconcileRequest, fromMs: number, toMs: number): Promise<LoadedReport[]> {
  const fromFiles = request.files.map((file) => loadReportFile(request.provider, file));
  if (!request.live) {
    if (fromFiles.length === 0) {
      throw new UnitcostError('invalid_argument', `give ${request.provider}'s usage and cost reports as files (saved admin API answers), or --live to pull them with the admin key in $${request.adminKeyEnv ?? adminApiDefaults[request.provider].keyEnv}`, { field: 'files' });
    }
    return fromFiles;
  }
  const keyEnv = request.adminKeyEnv ?? adminApiDefaults[request.provider].keyEnv;
  const adminKey = (request.environment ?? process.env)[keyEnv];
  if (adminKey === undefined || adminKey === '') {
    throw new UnitcostError('invalid_argument', `--live needs ${request.provider}'s admin key in $${keyEnv} (or name another variable with --admin-key-env)`, { field: '--admin-key-env' });
  }
  const pulled = await pullAdminReports({
    provider: request.provider,
    fromMs,
    toMs,
    adminKey,
    ...(request.adminBaseUrl === undefined ? {} : { baseUrl: request.adminBaseUrl }),
    ...(request.onPage === undefined ? {} : { onPage: request.onPage }),
  });
  return [...fromFiles, ...pulled];
}

/** One recorded day and model, split into the classes the providers report. */
function recordedRows(day: RecordedProviderDay, canonicalModel: (model: string) => string): RecordedUsage[] {
  const model = canonicalModel(day.model);
  const rows: Array<[ReconcileClass, bigint, bigint]> = [
    // Per-request fees ride on plain input: the providers bill them inside the model's lines.
    ['input', day.inputTokens, day.costInput + day.costRequest],
    ['cache_read', day.cacheReadTokens, day.costCacheRead],
    ['cache_write_5m', day.cacheWrite5mTokens, day.costCacheWrite5m],
    ['cache_write_1h', day.cacheWrite1hTokens, day.costCacheWrite1h],
    ['output', day.outputTokens, day.costOutput],
    // unitcost keeps audio in one cost column: it is put on audio input, where nearly all of it is.
    ['input_audio', day.inputAudioTokens, day.costAudio],
    ['output_audio', day.outputAudioTokens, 0n],
    // Anthropic reports server_tool_use.web_search_requests and bills them as cost_type web_search.
    ['web_search', day.webSearchRequests, day.costWebSearch],
  ];
  return rows.filter(([, quantity, cost]) => quantity !== 0n || cost !== 0n).map(([tokenClass, quantity, picodollars]) => ({ day: day.day, model, tokenClass, quantity, picodollars }));
}

function dayMs(value: string, flag: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(ms)) throw new UnitcostError('invalid_argument', `${flag} must be a UTC day, YYYY-MM-DD, got "${value}"`, { field: flag });
  return ms;
}

import { hashContent } from '../ingest/hash-content.js';
import type { Store } from '../store/store.js';
import type { App } from './create-app.js';
import { defaultDemoEndMs, fillStoreWithDemo, type DemoStoreResult } from './demo-service.js';
import { TraceIngester } from './capture/trace-ingester.js';
import { localTraceTranslation, translationWorkersAvailable, workerTraceTranslation } from '../ingest/otlp/trace-translation.js';
import { RecordIngester, type IntakeOptions } from './ingest/record-ingester.js';
import { intakeDirectoryOf } from './ingest/recovered-intake.js';
import { storeAfterAnswers } from './ingest/store-after-answers.js';
import { IntakeLog, type IntakeEntry } from '../store/intake-log.js';
import { localPostedConversion, postedBatchWorkersAvailable, workerPostedConversion } from '../ingest/posted-batch-conversion.js';
import { convertPostedBody } from '../ingest/posted-records.js';
import { workerCatalogOf } from './ingest/worker-catalog.js';
import { loadApiKeys } from './key-service.js';
import { openStore } from './open-store.js';
import { ReadCache } from './read-cache.js';
import { SerialQueue } from './serial-queue.js';
import { ServerReadWarmer } from './server-read-warmer.js';
import { budgetStatusOver } from './governance/budget-status-service.js';
import { statementOver } from './governance/statement-service.js';
import { loadWebhookSecrets } from '../config/webhook-secrets.js';
import { AlertDelivery } from './governance/alert-delivery-service.js';
import { AlertEvaluationScheduler } from './governance/alert-evaluation-scheduler.js';
import { serverAlertEvaluator, type AlertEvaluator } from './governance/server-alert-evaluator.js';
import type { DispatcherOptions } from './governance/webhook-dispatcher.js';
import { gatewayEffectsOver } from './gateway/lever-effects-service.js';
import { kpisOver, reportOver, type KpiFlags } from './server-reports.js';
import type { BatchResult, ServerServices } from './server-types.js';
import { simulateOver } from './simulate-service.js';
import { plansOnStore } from './plans/plans-service.js';

/**
 * Wires the services of `unitcost serve` over one open store. DuckDB allows one writer per file and a
 * connection runs one transaction at a time, so every write (event batches, key changes) goes through
 * one queue: concurrent clients are served in turn, each answered after its own commit.
 *
 * On opening, and after new data once writes pause (`refreshQuietMs`, default 300 ms), the queue refreshes the
 * report summaries and computes the overview's KPIs (server-read-warmer.ts), so that a visitor meets a kept answer.
 * A read that arrives before then is not answered from the previous data: the batch cleared the kept answers
 * before it was acknowledged, so the read computes, refreshing the summaries itself, and its client sees
 * every batch it has been told is stored.
 */
export async function openServerServices(
  app: App,
  options: {
    db?: string;
    demoWhenEmpty?: { events: number; days: number; onStart?: () => void };
    refreshQuietMs?: number;
    /** How often the API keys are read again on a shared store (default 5 s). */
    keyReloadMs?: number;
    /** Alert evaluation after writes pause: an evaluator (default serverAlertEvaluator), its timing (default the config's alerts_delivery), and the webhooks' dispatcher. */
    alerts?: { evaluate?: AlertEvaluator | null; quietMs?: number; minIntervalMs?: number; dispatcher?: DispatcherOptions; environment?: NodeJS.ProcessEnv; onError?: (error: unknown) => void };
    /**
     * The worker that converts posted bodies: bodies of at least minBodyBytes go to it (default posted-batch-conversion.ts's);
     * startNow starts it before the services are returned rather than on the first large body (for tests).
     */
    conversionWorker?: { minBodyBytes?: number; startNow?: boolean };
    /** Told of a problem the server works around, such as a worker that stopped: the serve command prints it as a warning. */
    onProblem?: (message: string) => void;
    /**
     * Answer a posted body of new records once it is in the intake log beside the store file (<db>.intake), and commit
     * many at once (record-ingester.ts); a DuckDB store only. Off by default: each answer waits for its own commit, so
     * that the store file alone holds every record ever acknowledged; with the log, answered records are in the log
     * until their commit, and whatever opens the store next through openStore loads them.
     */
    intakeLog?: boolean | { maxWaitMs?: number };
  } = {},
): Promise<{ services: ServerServices; store: Store; demo: DemoStoreResult | null; warnings: string[] }> {
  const warnings: string[] = [];
  const store = await openStore(app, { ...(options.db === undefined ? {} : { db: options.db }), smallCommits: true, onRecovered: (message) => warnings.push(message) });
  try {
    let demo: DemoStoreResult | null = null;
    if (options.demoWhenEmpty && (await store.counts()).usageEvents === 0) {
      const { events, days, onStart } = options.demoWhenEmpty;
      onStart?.();
      demo = await fillStoreWithDemo(app, store, { events, days, seed: 1, endMs: defaultDemoEndMs(app.now()) });
    }
    const writes = new SerialQueue();
    const serialize = <T>(task: () => Promise<T>): Promise<T> => writes.run(task);
    const keys = await loadApiKeys(store, serialize);
    // On a shared store (ClickHouse), other servers and the CLI make and revoke keys too: read them again every
    // few seconds, so that a revocation anywhere holds everywhere soon. A failed read keeps the keys as they were.
    const keyReload = keys.shared ? setInterval(() => void keys.reload().catch(() => {}), options.keyReloadMs ?? keyReloadMs) : null;
    keyReload?.unref();
    const rowContext = { catalog: app.catalog, hashContent };
    const convertLogged = (entry: IntakeEntry) => convertPostedBody(entry, { ...rowContext, nowMs: entry.nowMs, source: entry.source });
    const storedKeys = store.storedKeys;
    // true, or its settings: on; absent or false: off.
    const intakeSettings = typeof options.intakeLog === 'object' ? options.intakeLog : options.intakeLog === true ? {} : undefined;
    const opened = intakeSettings !== undefined && storedKeys !== undefined ? await IntakeLog.open(intakeDirectoryOf(store.location)) : undefined;
    const intake: IntakeOptions | undefined =
      opened && storedKeys
        ? { log: opened.log, storedKeys, convert: convertLogged, ...intakeSettings, ...(options.onProblem ? { onProblem: options.onProblem } : {}) }
        : undefined;
    const ingester = new RecordIngester(store, serialize, rowContext, undefined, undefined, intake);
    // Every read and every other write waits until what was answered is committed: a client never reads without its batch.
    const inTurn = <T>(task: () => Promise<T>): Promise<T> => ingester.loaded().then(() => writes.run(task));
    // Posted bodies are read, validated and priced on a worker when the store stages the columns it encodes, so
    // that this thread only stages and commits, as CLI ingest's does.
    const localPosted = localPostedConversion(rowContext);
    const minWorkerBytes = options.conversionWorker?.minBodyBytes;
    const conversionWorker =
      store.acceptsEncodedRows === true && postedBatchWorkersAvailable()
        ? workerPostedConversion({
            catalog: workerCatalogOf(app),
            local: localPosted,
            ...(minWorkerBytes === undefined ? {} : { minWorkerBytes }),
            ...(options.onProblem ? { onProblem: options.onProblem } : {}),
          })
        : undefined;
    const postedConversion = conversionWorker ?? localPosted;
    if (options.conversionWorker?.startNow) await conversionWorker?.start();
    const answers = new ReadCache();
    const computeKpis = (flags: KpiFlags, signal?: AbortSignal) =>
      inTurn(() => {
        signal?.throwIfAborted();
        return kpisOver(app, store, flags);
      });
    // Computing the KPIs refreshes the summaries first (every report does), so one read warms both. The
    // overview asks for the week's KPIs without filters (web/index.html sends it before the script runs).
    const warmer = new ServerReadWarmer(async () => {
      await answers.get(kpisKey(overviewKpiFlags), () => computeKpis(overviewKpiFlags));
    }, options.refreshQuietMs ?? 300);
    // Alerts: evaluated once ingest pauses (alert-evaluation-scheduler.ts), merged into incidents whose webhook
    // notifications a dispatcher sends in the background (docs/alert-delivery.md); none of it is on the ingest path.
    const delivery = app.config.alerts_delivery;
    const signed = loadWebhookSecrets(delivery.webhooks, options.alerts?.environment);
    // Said at start, not at the first incident: that webhook's notifications wait in the outbox until it is set.
    warnings.push(...signed.unsetVariables.map((variable) => `${variable} is not set: webhook notifications that need it wait in the outbox, never sent unsigned`));
    const alerts = await AlertDelivery.open(store, {
      webhooks: signed.webhooks,
      resolveAfterMissed: delivery.resolve_after_missed_evaluations,
      now: app.now,
      ...(options.alerts?.dispatcher ? { dispatcher: options.alerts.dispatcher } : {}),
    });
    const evaluator = options.alerts?.evaluate === undefined ? serverAlertEvaluator(app) : options.alerts.evaluate;
    const evaluation = new AlertEvaluationScheduler(
      async () => {
        if (!evaluator) return;
        const fired = await inTurn(() => evaluator(store, app.now()));
        await alerts.merge(fired);
      },
      {
        quietMs: options.alerts?.quietMs ?? delivery.evaluate_after_quiet_seconds * 1000,
        minIntervalMs: options.alerts?.minIntervalMs ?? delivery.evaluate_at_most_every_seconds * 1000,
        onError: (error) => {
          alerts.evaluationFailed(error);
          options.alerts?.onError?.(error);
        },
      },
    );
    // A write holds back the warm-up and alert evaluation until it ends; one that stored anything clears the kept answers.
    const asWrite = async (write: () => Promise<BatchResult>): Promise<BatchResult> => {
      let accepted = false;
      warmer.beginWrite();
      evaluation.beginWrite();
      try {
        const result = await write();
        // Before the answer goes out: a client that has its acknowledgement never reads a report without its batch.
        if (result.accepted > 0) {
          answers.clear();
          accepted = true;
        }
        return result;
      } finally {
        warmer.endWrite(accepted);
        evaluation.endWrite(accepted);
      }
    };
    const ingestBatch: ServerServices['ingestBatch'] = (records, source) => asWrite(() => ingester.ingest(records, { nowMs: app.now().getTime(), source }));
    const ingestBody: ServerServices['ingestBody'] = (body, source) =>
      asWrite(async () => {
        const nowMs = app.now().getTime();
        const converted = await postedConversion.convert(body, { nowMs, source });
        return ingester.ingestConverted(converted, intake ? { nowMs, source, format: body.format, maxItems: body.maxItems, bytes: body.bytes } : undefined);
      });
    const attributeTags = app.config.capture.otlp.attributes;
    const translation = translationWorkersAvailable() ? workerTraceTranslation(attributeTags) : localTraceTranslation(attributeTags);
    const traces = new TraceIngester(ingestBatch, translation);
    const services: ServerServices = {
      app,
      keys,
      storeLocation: store.location,
      ingestBatch,
      ingestBody,
      ingestCounters: () => ({
        ...ingester.counters,
        bodiesConverted: { onWorker: postedConversion.converted.onWorker, onServerThread: postedConversion.converted.onThisThread },
        answeredBeforeCommit: ingester.intakeCounters.answeredEarly,
      }),
      ingestTraces: async (body, encoding, source) => {
        // Translating an export is part of the write: the warm-up waits for it as for the commit.
        warmer.beginWrite();
        evaluation.beginWrite();
        try {
          return await traces.ingest(body, encoding, source);
        } finally {
          warmer.endWrite(false);
          evaluation.endWrite(false);
        }
      },
      traceCounters: () => ({ ...traces.counters }),
      readCounters: () => ({ ...answers.counters, warmups: warmer.completed }),
      readStore: (read) => inTurn(() => read(store)),
      // Reads share the writing connection (and refresh the report summaries), so they take their turn in the
      // queue. A dashboard that changes a filter abandons its earlier requests; they are dropped, not run.
      // Answers are kept until the next batch commits (read-cache.ts), except reports by user or session,
      // which run to megabytes.
      report: (flags, signal, options = {}) => {
        const read = () =>
          inTurn(() => {
            signal?.throwIfAborted();
            return reportOver(app, store, flags);
          });
        return /user_id|session_id/.test(flags.by ?? '') ? read() : answers.get(`report ${JSON.stringify(flags)}`, read, options.fresh);
      },
      kpis: (flags, signal, options = {}) => answers.get(kpisKey(flags), () => computeKpis(flags, signal), options.fresh),
      budgets: (flags, signal) =>
        inTurn(() => {
          signal?.throwIfAborted();
          return budgetStatusOver(app, store, flags);
        }),
      statements: (flags, signal) =>
        inTurn(() => {
          signal?.throwIfAborted();
          return statementOver(app, store, flags, { allowClose: false });
        }),
      gatewayEffects: (flags, signal) =>
        inTurn(() => {
          signal?.throwIfAborted();
          return gatewayEffectsOver(app, store, flags);
        }),
      simulate: (request, signal) =>
        inTurn(() => {
          signal?.throwIfAborted();
          return simulateOver(app, store, request);
        }),
      plans: (request, signal) =>
        inTurn(() => {
          signal?.throwIfAborted();
          // The server's store is its own: a db named in the request is not honoured.
          const { db: _db, ...rest } = request;
          return plansOnStore(app, store, rest);
        }),
      alertIncidents: alerts,
      close: async () => {
        await evaluation.stop();
        if (keyReload) clearInterval(keyReload);
        await alerts.close();
        await warmer.stop();
        await ingester.close();
        await writes.drain();
        await translation.close();
        await postedConversion.close();
        await store.close();
      },
    };
    // The store may hold data the summaries have not seen (the demo just written, or a CLI ingest while the
    // server was down: building them took 9 s at 10M calls): warm up now rather than on the first visit.
    warmer.schedule();
    evaluation.request();
    return { services, store: intake ? storeAfterAnswers(store, () => ingester.loaded()) : store, demo, warnings };
  } catch (error) {
    await store.close();
    throw error;
  }
}

const overviewKpiFlags: KpiFlags = { period: 'week' };

// How soon a key made or revoked by another process counts here, on a shared store.
const keyReloadMs = 5_000;

// One key per question: no period is the week, and the filters' order does not change the answer.
function kpisKey(flags: KpiFlags): string {
  return `kpis ${JSON.stringify({ period: flags.period ?? 'week', to: flags.to, where: flags.where === undefined ? undefined : [...flags.where].sort() })}`;
}

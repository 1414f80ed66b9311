import type { Provider } from '@pydantic/genai-prices';
import type { CatalogOverrides } from '../../core/catalog/catalog-overrides.js';
import type { Deliver, DeliveryOutcome } from './event-recorder.js';
import { startProcessStoreDelivery, type ProcessStoreDelivery } from './process-store-delivery.js';
import type { WriterPriority } from './store-writer-process.js';

/** The gateway's store writer, at idle priority while the machine has room, at normal priority while it has none. */
export interface AdaptiveStoreDelivery {
  deliver: Deliver;
  close(): Promise<void>;
  /** The writer process now writing, and how it is scheduled; undefined between a replaced one and the next delivery. */
  writer(): Pick<ProcessStoreDelivery, 'pid' | 'scheduled'> | undefined;
}

export interface AdaptiveStoreOptions {
  now: () => number;
  onProblem: (message: string) => void;
  /** A delivery at idle priority that takes longer than this (ms) means the cores are never idle. Default 2,000. */
  starvedAfterMs?: number;
  /** How long the writer then runs at normal priority before idle is tried again (ms). Default 5 minutes. */
  normalForMs?: number;
  /** A monotonic clock in milliseconds; performance.now() unless a test passes its own. */
  clock?: () => number;
}

/** How long a writer being replaced gets to release the file before it is killed: what it committed is in the log. */
const replaceGraceMs = 2_000;

/**
 * Writes through a writer process (process-store-delivery.ts) that runs only on cores nothing else wants, so
 * that the store's commits never delay a call. The price of that priority is that a machine whose cores are
 * busy all the time (the gateway saturated) leaves the writer nothing: its batches would wait, the recorder's
 * bounded queue would fill, and events would be dropped. So the time each delivery takes is watched; one that
 * takes longer than starvedAfterMs (a batch commits in 10–40 ms on an idle core) has the writer replaced, once
 * that delivery has ended, by one at normal priority, which shares the cores with the calls for normalForMs
 * before idle is tried again. The recorder sends one delivery at a time, so a replacement never cuts one short.
 */
export async function startAdaptiveStoreDelivery(
  db: string,
  catalog: { providers: Provider[]; overrides: CatalogOverrides },
  options: AdaptiveStoreOptions,
): Promise<AdaptiveStoreDelivery> {
  const { now, onProblem } = options;
  const starvedAfterMs = options.starvedAfterMs ?? 2_000;
  const normalForMs = options.normalForMs ?? 300_000;
  const clock = options.clock ?? (() => performance.now());
  const start = (priority: WriterPriority): Promise<ProcessStoreDelivery> => startProcessStoreDelivery(db, catalog, { now, onProblem, priority });
  let current: ProcessStoreDelivery | undefined = await start('idle');
  let wanted: WriterPriority = 'idle';
  let normalSince: number | undefined;
  // Deliveries and replacements one after another: a replacement waits for the delivery before it, and the next waits for it.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };

  // The writer is replaced between deliveries: the old one is closed after the delivery that showed the need, the
  // new one started by the next delivery, so that one failing to start is a retryable failure of that delivery.
  const retire = async (writer: ProcessStoreDelivery, next: WriterPriority): Promise<void> => {
    wanted = next;
    current = undefined;
    await writer.close({ graceMs: replaceGraceMs });
  };

  const deliverOnce = async (events: Parameters<Deliver>[0]): Promise<DeliveryOutcome> => {
    let writer: ProcessStoreDelivery;
    try {
      writer = current ??= await start(wanted);
      if (wanted === 'normal') normalSince ??= clock();
    } catch (error) {
      return { delivered: false, retryable: true, reason: `the store writer could not be started: ${error instanceof Error ? error.message : String(error)}` };
    }
    const started = clock();
    const outcome = await writer.deliver(events);
    const took = clock() - started;
    if (writer.scheduled !== 'normal' && took > starvedAfterMs) {
      onProblem(
        `the store writer took ${Math.round(took)} ms to commit ${events.length} events at idle priority: the machine's cores are never idle; ` +
          `it now writes at normal priority for ${Math.round(normalForMs / 1000)} s, sharing the cores with the calls`,
      );
      await retire(writer, 'normal');
    } else if (normalSince !== undefined && clock() - normalSince >= normalForMs) {
      normalSince = undefined;
      await retire(writer, 'idle');
    }
    return outcome;
  };

  return {
    deliver: (events) => serially(() => deliverOnce(events)),
    close: () => serially(async () => current?.close()),
    writer: () => (current === undefined ? undefined : { pid: current.pid, scheduled: current.scheduled }),
  };
}

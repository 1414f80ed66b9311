import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import type { Provider } from '@pydantic/genai-prices';
import { PriceCatalog } from '../../core/catalog/price-catalog.js';
import type { CatalogOverrides } from '../../core/catalog/catalog-overrides.js';
import { hashContent } from '../../ingest/hash-content.js';
import { DuckdbStore } from '../../store/duckdb/duckdb-store.js';
import { RecordIngester } from '../ingest/record-ingester.js';
import { SerialQueue } from '../serial-queue.js';
import type { DeliveryOutcome } from './event-recorder.js';
import { storeDelivery } from './store-delivery.js';

/*
 * The process that writes the gateway's events into its DuckDB file (see process-store-delivery.ts): it
 * validates, prices and hashes each event, builds its row, appends it and commits, by the same write path
 * as POST /v1/events. A process, not a thread of the gateway's: DuckDB runs its statements on libuv's
 * thread pool, which a process shares among all its threads, so a worker thread's lower priority never
 * reached the commits (they ran at the gateway's own priority, ~half of the store's CPU; BENCHMARKS.md).
 * Here every thread, those already running and those started later, runs at the priority it is started
 * with (its first argument): 'idle', or 'normal' when the gateway found it starved (adaptive-store-delivery.ts).
 */

/** How the writer's threads are scheduled: only on cores nothing else wants, or as any other process. */
export type WriterPriority = 'idle' | 'normal';

/** What the process is told first: the store file, and what it needs to build its own catalog. */
export interface StoreWriterSetup {
  db: string;
  providers: Provider[];
  overrides: CatalogOverrides;
}

/** A message to the writer: open the store, a batch to store (the events as one JSON array), or the order to close. */
export type StoreWriterRequest = ({ type: 'open' } & StoreWriterSetup) | { type: 'deliver'; id: number; events: string; nowMs: number } | { type: 'close' };

/** A message from the writer. */
export type StoreWriterReply =
  /** scheduled: what the system granted, 'idle' (SCHED_IDLE), 'lowest' (nice 19, where SCHED_IDLE could not be set) or 'normal'. */
  | { type: 'ready'; scheduled: 'idle' | 'lowest' | 'normal' }
  | { type: 'failed'; message: string }
  | { type: 'delivered'; id: number; outcome: DeliveryOutcome; problems: string[] }
  | { type: 'closed' };

const send = (reply: StoreWriterReply): void => {
  process.send?.(reply);
};

const asked: WriterPriority = process.argv[2] === 'normal' ? 'normal' : 'idle';
const scheduled = asked === 'idle' ? yieldToEveryOtherProcess() : 'normal';

let writer: { store: DuckdbStore; ingester: RecordIngester; writes: SerialQueue } | undefined;
let closing: Promise<void> | undefined;

/** Waits for the writes under way, releases the store file and ends the process. */
function closeAndExit(): Promise<void> {
  closing ??= (async () => {
    if (writer !== undefined) {
      await writer.writes.drain();
      await writer.store.close();
    }
    send({ type: 'closed' });
  })().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`unitcost gateway: the store writer could not close the store: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
  return closing;
}

process.on('message', (request: StoreWriterRequest) => {
  if (request.type === 'open') {
    void openStore(request);
    return;
  }
  if (request.type === 'close') {
    void closeAndExit();
    return;
  }
  const current = writer;
  if (current === undefined || closing !== undefined) {
    send({ type: 'delivered', id: request.id, outcome: { delivered: false, retryable: false, reason: 'the store writer is not open' }, problems: [] });
    return;
  }
  // Problems (records the store refused) go back with the answer: the gateway says them where it says the others.
  const problems: string[] = [];
  const deliver = storeDelivery((records, source) => current.ingester.ingest(records, { nowMs: request.nowMs, source }), (message) => problems.push(message));
  deliver(JSON.parse(request.events))
    .catch((error: unknown): DeliveryOutcome => ({ delivered: false, retryable: true, reason: error instanceof Error ? error.message : String(error) }))
    .then((outcome) => send({ type: 'delivered', id: request.id, outcome, problems }));
});

// The gateway went away without closing (killed, crashed): what was sent is committed, then the file is released.
process.on('disconnect', () => void closeAndExit());
// Ctrl-C in a terminal signals the whole process group, and a service manager's stop often does too: the writer
// leaves its ending to the gateway, which first hands over the events it still holds (or to 'disconnect' above).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});

async function openStore(setup: StoreWriterSetup): Promise<void> {
  try {
    // One DuckDB thread: the gateway's store only appends a batch and commits it a few times a second, work one
    // thread does; DuckDB's pool of a thread per core would wake for each commit and take the cores the calls
    // are served on (at 1,000 calls/s the gateway process spent 7–12% less CPU a call with one; BENCHMARKS.md).
    const store = await DuckdbStore.open(setup.db, { threads: 1, recordKeyFilter: true });
    const writes = new SerialQueue();
    const ingester = new RecordIngester(store, (task) => writes.run(task), { catalog: new PriceCatalog(setup.providers, setup.overrides), hashContent });
    writer = { store, ingester, writes };
    send({ type: 'ready', scheduled });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  }
}

/**
 * Has every thread of this process, and every thread it starts later (libuv's pool, which DuckDB's statements run
 * on, and DuckDB's own), run only when a core is left idle: SCHED_IDLE, through util-linux's `chrt`, since Node has
 * no call for it. With nice 19 alone a waking thread that answers calls can still wait for the writer's slice to
 * end; a SCHED_IDLE thread gives the core up at once (added p99 +1.5 ms against +2.7 ms, BENCHMARKS.md). Where
 * `chrt` is missing or refused, nice 19 is what remains. Either way no privilege is needed: this only lowers.
 */
function yieldToEveryOtherProcess(): 'idle' | 'lowest' {
  lowerEveryThreadsNiceValue();
  try {
    execFileSync('chrt', ['--idle', '--all-tasks', '--pid', '0', String(process.pid)], { stdio: 'ignore', timeout: 5_000 });
    return 'idle';
  } catch {
    return 'lowest';
  }
}

/** Nice 19 for every thread: on Linux a thread's priority is its own, set by its thread id; elsewhere the process's. */
function lowerEveryThreadsNiceValue(): void {
  let threads: number[];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    threads = [0];
  }
  for (const thread of threads) {
    try {
      setPriority(thread, constants.priority.PRIORITY_LOW);
    } catch {
      // A thread that ended since the listing: nothing to lower.
    }
  }
}

/**
 * Prepares the server's reads after new data, so that the next visitor meets a computed answer instead of
 * paying for it. After a batch commits, the store's report summaries are stale for the days it touched; the
 * first read would refresh them (about a second on a large store, more under load) before answering.
 *
 * The warm-up runs once writes have been quiet for `quietMs`: a burst of batches (an importer, a busy
 * gateway) is followed by one refresh, not one per batch, and ingest keeps the write queue to itself while
 * it lasts. Under a stream of batches closer together than `quietMs` it waits for a pause; reads meanwhile
 * refresh the summaries themselves, as they did before, so they are never answered from stale summaries.
 *
 * Quiet means no write in progress, not only no commit for `quietMs`: a batch being decoded and priced (an
 * OTLP export of 512 spans takes tens of milliseconds before it reaches the queue) holds the warm-up off.
 * Counting only commits let a warm-up slip into every gap between two groups of a steady stream, and each
 * one then held the write queue for its duration: OTLP ingest measured 6k spans/s against 25k without it.
 */
export class ServerReadWarmer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private warmups = 0;
  private writesInProgress = 0;
  private dataPending = false;

  /**
   * warm: the work (refresh the summaries and compute the default answers, through the write queue);
   * its errors are dropped, since the next read runs the same work and reports them to its client.
   */
  constructor(
    private readonly warm: () => Promise<void>,
    private readonly quietMs: number,
  ) {}

  /** A write has begun: no warm-up starts until it and every other write in progress have ended. */
  beginWrite(): void {
    this.writesInProgress += 1;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A write has ended; `committed` says whether it stored anything new, which the summaries must then take in. */
  endWrite(committed: boolean): void {
    this.writesInProgress = Math.max(0, this.writesInProgress - 1);
    if (committed) this.dataPending = true;
    if (this.dataPending && this.writesInProgress === 0) this.schedule();
  }

  /** New data was committed: warm up once writes have been quiet for quietMs (a later call restarts the wait). */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.dataPending = true;
    if (this.writesInProgress > 0) return;
    this.timer = setTimeout(() => this.start(), this.quietMs);
    // A scheduled warm-up never keeps the process alive on its own (close() cancels it anyway).
    this.timer.unref();
  }

  /** Warm-ups finished since the server started, for /metrics. */
  get completed(): number {
    return this.warmups;
  }

  /** Whether a warm-up is waiting for quiet or running. */
  get pending(): boolean {
    return this.timer !== null || this.running !== null || (this.dataPending && !this.stopped);
  }

  /** Cancels a waiting warm-up and waits for a running one: the server is closing. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private start(): void {
    this.timer = null;
    this.dataPending = false;
    const run = (this.running ?? Promise.resolve())
      .then(() => this.warm())
      .then(
        () => {
          this.warmups += 1;
        },
        () => {},
      )
      .finally(() => {
        if (this.running === run) this.running = null;
      });
    this.running = run;
  }
}

/**
 * Prepares the server's reads after new data, so that the next visitor meets a computed answer instead of
 * paying for it. After a batch commits, the store's report summaries are stale for the days it touched; the
 * first read would refresh them (about a second on a large store, more under load) before answering.
 *
 * The warm-up runs once writes have been quiet for `quietMs`: a burst of batches (an importer, a busy
 * gateway) is followed by one refresh, not one per batch, and ingest keeps the write queue to itself while
 * it lasts. Under a stream of batches closer together than `quietMs` it waits for a pause; reads meanwhile
 * refresh the summaries themselves, as they did before, so they are never answered from stale summaries.
 */
export class ServerReadWarmer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private warmups = 0;

  /**
   * warm: the work (refresh the summaries and compute the default answers, through the write queue);
   * its errors are dropped, since the next read runs the same work and reports them to its client.
   */
  constructor(
    private readonly warm: () => Promise<void>,
    private readonly quietMs: number,
  ) {}

  /** New data was committed: warm up once writes have been quiet for quietMs (a later call restarts the wait). */
  schedule(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
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
    return this.timer !== null || this.running !== null;
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

/**
 * When `unitcost serve` evaluates the alert rules: once ingest has been quiet for `quietMs` after new data
 * (a burst of batches is followed by one evaluation, not one per batch), and at most once every
 * `minIntervalMs` (a steady trickle of events, quiet between each, would otherwise run every rule every few
 * seconds). Like the read warmer (server-read-warmer.ts), quiet means no write in progress, so an
 * evaluation never takes the write queue in a gap of a steady stream.
 *
 * Data that arrives while an evaluation runs is evaluated by the next one: the one running may not see it.
 */
export class AlertEvaluationScheduler {
  private quietTimer: NodeJS.Timeout | null = null;
  private intervalTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private writesInProgress = 0;
  private dataPending = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private evaluations = 0;

  /** evaluate: read the store, evaluate, merge into incidents; its errors go to onError and the next evaluation tries again. */
  constructor(
    private readonly evaluate: () => Promise<void>,
    private readonly options: { quietMs: number; minIntervalMs: number; onError?: (error: unknown) => void; clock?: () => number },
  ) {}

  /** A write has begun: no evaluation starts until every write in progress has ended. */
  beginWrite(): void {
    this.writesInProgress += 1;
    this.clearQuietTimer();
  }

  /** A write has ended; committed says whether it stored anything new. */
  endWrite(committed: boolean): void {
    this.writesInProgress = Math.max(0, this.writesInProgress - 1);
    if (committed) this.dataPending = true;
    if (this.dataPending && this.writesInProgress === 0) this.armQuietTimer();
  }

  /** Asks for an evaluation once writes are quiet (at start, when the store may hold data never evaluated). */
  request(): void {
    this.dataPending = true;
    if (this.writesInProgress === 0) this.armQuietTimer();
  }

  /** Evaluations finished since start, for /metrics and tests. */
  get completed(): number {
    return this.evaluations;
  }

  /** Cancels a waiting evaluation and waits for a running one: the server is closing. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clearQuietTimer();
    if (this.intervalTimer) clearTimeout(this.intervalTimer);
    this.intervalTimer = null;
    await this.running;
  }

  private armQuietTimer(): void {
    if (this.stopped) return;
    this.clearQuietTimer();
    this.quietTimer = setTimeout(() => {
      this.quietTimer = null;
      this.startWhenAllowed();
    }, this.options.quietMs);
    this.quietTimer.unref();
  }

  private clearQuietTimer(): void {
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = null;
  }

  private startWhenAllowed(): void {
    // Running: it re-arms itself when it ends if data came meanwhile. Writing: endWrite re-arms.
    if (this.stopped || this.running || this.writesInProgress > 0 || !this.dataPending) return;
    const now = this.now();
    const wait = this.lastStartMs + this.options.minIntervalMs - now;
    if (wait > 0) {
      if (this.intervalTimer) return;
      this.intervalTimer = setTimeout(() => {
        this.intervalTimer = null;
        this.startWhenAllowed();
      }, wait);
      this.intervalTimer.unref();
      return;
    }
    this.dataPending = false;
    this.lastStartMs = now;
    this.running = this.evaluate()
      .then(
        () => {
          this.evaluations += 1;
        },
        (error: unknown) => this.options.onError?.(error),
      )
      .finally(() => {
        this.running = null;
        if (this.dataPending && this.writesInProgress === 0) this.armQuietTimer();
      });
  }

  private now(): number {
    return this.options.clock?.() ?? performance.now();
  }
}

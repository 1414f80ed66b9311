/**
 * Runs tasks one at a time, in the order they arrive. DuckDB takes one writer per file and a connection
 * runs one transaction at a time, so every write of the server goes through one of these: twenty clients
 * posting at once become twenty transactions in a row, none interleaved with another.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Runs the task after every task queued before it; its result or error is the caller's alone. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting += 1;
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => {
        this.waiting -= 1;
      },
      () => {
        this.waiting -= 1;
      },
    );
    return result;
  }

  /** Tasks queued or running, for back-pressure and metrics. */
  get depth(): number {
    return this.waiting;
  }

  /** Resolves once every task queued so far has finished. */
  async drain(): Promise<void> {
    await this.tail;
  }
}

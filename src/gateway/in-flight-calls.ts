/**
 * Counts the calls the gateway is serving, streams included until their event is recorded, so that a
 * shutdown can wait for them and then drop the connections left: a client that aborted a stream may leave
 * its socket half-open for seconds, which would otherwise hold the server's close.
 */
export class InFlightCalls {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Marks a call as started; the returned function ends it, once, however often it is called. */
  begin(): () => void {
    this.count += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.count -= 1;
      if (this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    };
  }

  /** Resolves once no call is in flight. */
  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}

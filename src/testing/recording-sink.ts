import type { CapturedEvent, UsageSink } from '../capture/capture-options.js';

/** A sink that keeps what it is given, for tests: `events` in the order written. */
export interface RecordingSink extends UsageSink {
  events: CapturedEvent[];
}

/** A UsageSink that records events in memory; write() can be made to throw to test that the caller never sees it. */
export function recordingSink(options: { failWith?: Error } = {}): RecordingSink {
  const events: CapturedEvent[] = [];
  return {
    events,
    write(event) {
      if (options.failWith) throw options.failWith;
      events.push(event);
    },
    async flush() {},
    async close() {},
  };
}

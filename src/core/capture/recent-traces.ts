import type { TraceMemory } from './spans-to-records.js';

/** A bounded memory of recent traces: enough for a trace whose spans arrive over several exports, never unbounded. */
export class RecentTraces implements TraceMemory {
  private readonly traces = new Map<string, { steps: Map<string, number> }>();

  constructor(private readonly capacity = 50_000) {}

  /** The state kept for a trace, if it is still remembered. */
  get(traceId: string): { steps: Map<string, number> } | undefined {
    return this.traces.get(traceId);
  }

  /** Keeps a trace's state, forgetting the least recently touched trace once the memory is full. */
  set(traceId: string, state: { steps: Map<string, number> }): void {
    // Re-inserting moves a trace to the young end; the oldest goes once the memory is full.
    this.traces.delete(traceId);
    this.traces.set(traceId, state);
    if (this.traces.size > this.capacity) this.traces.delete(this.traces.keys().next().value!);
  }
}

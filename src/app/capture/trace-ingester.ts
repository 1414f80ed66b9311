import type { CapturedSpan } from '../../core/capture/captured-span.js';
import type { UnreadableSpan } from '../../core/capture/flatten-otlp-request.js';
import { spansToRecords, type SpanTagName, type TraceMemory } from '../../core/capture/spans-to-records.js';
import type { BatchResult, RawRecord } from '../server-types.js';
import type { TraceCounters, TraceIngestResult } from './trace-ingest-result.js';

export type { TraceCounters, TraceIngestResult } from './trace-ingest-result.js';

/** A bounded memory of recent traces: enough for a trace whose spans arrive over several exports, never unbounded. */
export class RecentTraces implements TraceMemory {
  private readonly traces = new Map<string, { steps: Map<string, number> }>();

  constructor(private readonly capacity = 50_000) {}

  get(traceId: string): { steps: Map<string, number> } | undefined {
    return this.traces.get(traceId);
  }

  set(traceId: string, state: { steps: Map<string, number> }): void {
    // Re-inserting moves a trace to the young end; the oldest goes once the memory is full.
    this.traces.delete(traceId);
    this.traces.set(traceId, state);
    if (this.traces.size > this.capacity) this.traces.delete(this.traces.keys().next().value!);
  }
}

const shownReasons = 5;

/**
 * Receives decoded OTLP spans: GenAI call spans become usage events and traces become tasks
 * (core/capture/spans-to-records.ts), which then take the same validated, priced, group-committed path
 * as POST /v1/events. A span refused for any reason is reported by id; the rest of the request is kept.
 */
export class TraceIngester {
  readonly counters: TraceCounters = { spans: 0, calls: 0, withoutUsage: 0, notGenAi: 0, rejected: 0 };
  private readonly memory = new RecentTraces();

  constructor(
    private readonly ingestBatch: (records: RawRecord[], source: string) => Promise<BatchResult>,
    private readonly attributeTags: Readonly<Record<string, SpanTagName>>,
  ) {}

  async ingest(spans: CapturedSpan[], unreadable: UnreadableSpan[], source: string): Promise<TraceIngestResult> {
    const translated = spansToRecords(spans, { attributeTags: this.attributeTags, memory: this.memory });
    const refused = new Map<string, string>();
    for (const span of unreadable) refused.set(span.spanId || `#${refused.size}`, span.message);
    for (const span of translated.rejected) refused.set(span.spanId, span.message);
    let calls = 0;
    if (translated.records.length > 0) {
      const raw: RawRecord[] = translated.records.map(({ record }, index) => ({ index, value: record }));
      const result = await this.ingestBatch(raw, source);
      for (const item of result.results) {
        const origin = translated.records[item.index]!;
        if (item.status === 'rejected') {
          const reasons = (item.errors ?? []).map((error) => `${error.field || 'record'} ${error.message}`).join('; ');
          refused.set(origin.spanId, `span ${origin.spanId}: ${reasons}`);
        } else if (origin.record.type === undefined) calls += 1;
      }
    }
    this.counters.spans += spans.length + unreadable.length;
    this.counters.calls += calls;
    this.counters.withoutUsage += translated.withoutUsage;
    this.counters.notGenAi += translated.notGenAi;
    this.counters.rejected += refused.size;
    const reasons = [...refused.values()];
    const more = reasons.length > shownReasons ? ` (and ${reasons.length - shownReasons} more)` : '';
    return { rejectedSpans: refused.size, errorMessage: reasons.slice(0, shownReasons).join('; ') + more, calls, withoutUsage: translated.withoutUsage, notGenAi: translated.notGenAi };
  }
}

import type { OtlpEncoding } from '../../ingest/otlp/decode-otlp-traces.js';
import type { TraceTranslation } from '../../ingest/otlp/trace-translation.js';
import type { BatchResult, RawRecord } from '../server-types.js';
import type { TraceCounters, TraceIngestResult } from './trace-ingest-result.js';

export type { TraceCounters, TraceIngestResult } from './trace-ingest-result.js';

const shownReasons = 5;

/**
 * Receives OTLP export bodies: the translation (on a worker where one can start) decodes them and turns
 * GenAI call spans into usage events and traces into tasks (core/capture/spans-to-records.ts); those then
 * take the same validated, priced, group-committed path as POST /v1/events. A span refused for any reason
 * is reported by id; the rest of the request is kept. A body that is not an export rejects with
 * MalformedTraceRequest.
 */
export class TraceIngester {
  readonly counters: TraceCounters = { spans: 0, calls: 0, withoutUsage: 0, notGenAi: 0, rejected: 0 };

  constructor(
    private readonly ingestBatch: (records: RawRecord[], source: string) => Promise<BatchResult>,
    private readonly translation: TraceTranslation,
  ) {}

  async ingest(body: Uint8Array, encoding: OtlpEncoding, source: string): Promise<TraceIngestResult> {
    const translated = await this.translation.translate(body, encoding);
    const refused = new Map<string, string>();
    for (const span of translated.unreadable) refused.set(span.spanId || `#${refused.size}`, span.message);
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
    this.counters.spans += translated.spans;
    this.counters.calls += calls;
    this.counters.withoutUsage += translated.withoutUsage;
    this.counters.notGenAi += translated.notGenAi;
    this.counters.rejected += refused.size;
    const reasons = [...refused.values()];
    const more = reasons.length > shownReasons ? ` (and ${reasons.length - shownReasons} more)` : '';
    return {
      rejectedSpans: refused.size, 
      errorMessage: reasons.slice(0, shownReasons).join('; ') + more,
      calls,
      withoutUsage: translated.withoutUsage,
      notGenAi: translated.notGenAi,
    };
  }
}

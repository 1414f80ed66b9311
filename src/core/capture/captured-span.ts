/** A span attribute's value once decoded from OTLP: arrays and maps kept, 64-bit integers as numbers (or strings past 2^53). */
export type SpanAttributeValue = string | number | boolean | null | SpanAttributeValue[] | { [key: string]: SpanAttributeValue };

/** A flat map of attribute key to value, as OTLP's KeyValue list becomes. */
export type SpanAttributes = Record<string, SpanAttributeValue>;

/** OTLP status codes: 0 unset, 1 ok, 2 error. */
export type SpanStatusCode = 0 | 1 | 2;

/**
 * One span as the OTLP receiver hands it to the translators: protocol details (encodings, resource and
 * scope nesting) already decoded, so a dialect mapper sees only what the instrumentation said.
 */
export interface CapturedSpan {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Absent on a trace's root span. */
  parentSpanId?: string;
  name: string;
  /** OTLP SpanKind: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  /** Nanoseconds since the epoch, exact. */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: SpanAttributes;
  /** The attributes of the resource that emitted the span (service.name, and any unitcost.* tags set there). */
  resource: SpanAttributes;
  scope: { name: string; version?: string };
  status: { code: SpanStatusCode; message?: string };
  // Span events and links are not read: nothing billable lives there, and events are where instrumentations
  // put prompt and completion content, which unitcost never keeps.
}

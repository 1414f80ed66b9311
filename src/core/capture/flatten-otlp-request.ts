import type { CapturedSpan, SpanAttributes, SpanAttributeValue, SpanStatusCode } from './captured-span.js';

/**
 * An OTLP ExportTraceServiceRequest: in the OTLP/JSON mapping (camelCase fields, 64-bit integers as decimal
 * strings or numbers, ids as hex), or as protobufjs decodes the protobuf encoding, whose messages have the
 * same field names but carry ids as bytes and 64-bit integers as {low, high} halves. One reader serves both,
 * so that the protobuf path (every SDK's default) pays for no conversion to JSON's shape first.
 */
export interface OtlpTraceRequest {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: Array<{ scope?: { name?: string; version?: string }; spans?: OtlpSpan[] }>;
  }>;
}

interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}

/** A 64-bit integer as protobufjs decodes it. */
interface LongBits {
  low: number;
  high: number;
}

type OtlpInteger = string | number | LongBits | null;
type OtlpId = string | Uint8Array;

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: OtlpInteger;
  doubleValue?: number | string | null;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string | Uint8Array;
}

interface OtlpSpan {
  traceId?: OtlpId;
  spanId?: OtlpId;
  parentSpanId?: OtlpId;
  name?: string;
  kind?: number | string;
  startTimeUnixNano?: OtlpInteger;
  endTimeUnixNano?: OtlpInteger;
  attributes?: OtlpKeyValue[];
  status?: { code?: number | string; message?: string } | null;
}

/** A span the request carries but that cannot be read: its id when it has one, and why. */
export interface UnreadableSpan {
  spanId: string;
  message: string;
}

/** The spans of a request, and those refused for a malformed id or time. */
export interface FlattenedTraces {
  spans: CapturedSpan[];
  unreadable: UnreadableSpan[];
}

/** Thrown when the body is not an ExportTraceServiceRequest at all: the whole request is refused. */
export class MalformedTraceRequest extends Error {
  override readonly name = 'MalformedTraceRequest';
}

const hexId = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);
const traceIdPattern = hexId(32);
const spanIdPattern = hexId(16);
const spanKinds: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const statusCodes: Record<string, SpanStatusCode> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** Flattens a decoded ExportTraceServiceRequest into spans, each with its resource's and scope's attributes beside it. */
export function flattenTraceRequest(body: unknown): FlattenedTraces {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new MalformedTraceRequest('the body must be an ExportTraceServiceRequest object with resourceSpans');
  const request = body as OtlpTraceRequest;
  if (request.resourceSpans !== undefined && !Array.isArray(request.resourceSpans)) throw new MalformedTraceRequest('resourceSpans must be an array');
  const result: FlattenedTraces = { spans: [], unreadable: [] };
  for (const [resourceIndex, resourceSpans] of (request.resourceSpans ?? []).entries()) {
    const where = `resourceSpans[${resourceIndex}]`;
    if (resourceSpans === null || typeof resourceSpans !== 'object') throw new MalformedTraceRequest(`${where} must be an object`);
    const resource = attributeMap(resourceSpans.resource?.attributes, () => `${where}.resource.attributes`);
    if (resourceSpans.scopeSpans !== undefined && !Array.isArray(resourceSpans.scopeSpans)) throw new MalformedTraceRequest(`${where}.scopeSpans must be an array`);
    for (const [scopeIndex, scopeSpans] of (resourceSpans.scopeSpans ?? []).entries()) {
      const scopeWhere = `${where}.scopeSpans[${scopeIndex}]`;
      if (scopeSpans === null || typeof scopeSpans !== 'object') throw new MalformedTraceRequest(`${scopeWhere} must be an object`);
      const scope = { name: scopeSpans.scope?.name ?? '', ...(scopeSpans.scope?.version ? { version: scopeSpans.scope.version } : {}) };
      if (scopeSpans.spans !== undefined && !Array.isArray(scopeSpans.spans)) throw new MalformedTraceRequest(`${scopeWhere}.spans must be an array`);
      for (const [spanIndex, span] of (scopeSpans.spans ?? []).entries()) {
        // Where a span sits is spelled out only for a message: building it for every span cost more than reading the ids.
        const spanWhere = () => `${scopeWhere}.spans[${spanIndex}]`;
        if (span === null || typeof span !== 'object') throw new MalformedTraceRequest(`${spanWhere()} must be an object`);
        const read = readSpan(span, resource, scope, spanWhere);
        if ('message' in read) result.unreadable.push(read);
        else result.spans.push(read);
      }
    }
  }
  return result;
}

const zeroTraceId = '0'.repeat(32);
const zeroSpanId = '0'.repeat(16);

function readSpan(span: OtlpSpan, resource: SpanAttributes, scope: CapturedSpan['scope'], where: () => string): CapturedSpan | UnreadableSpan {
  const spanId = idOf(span.spanId);
  const refuse = (message: string): UnreadableSpan => ({ spanId, message: `${where()}: ${message}` });
  const traceId = idOf(span.traceId);
  // OTLP defines all-zero ids as invalid: such a span cannot be told apart from others.
  if (!traceIdPattern.test(traceId) || traceId === zeroTraceId) return refuse('traceId must be 32 hex digits, not all zero');
  if (!spanIdPattern.test(spanId) || spanId === zeroSpanId) return refuse('spanId must be 16 hex digits, not all zero');
  // Some exporters write a root span's missing parent as zeros rather than leaving it empty.
  const parentId = idOf(span.parentSpanId);
  const parent = parentId === zeroSpanId || /^0+$/.test(parentId) ? '' : parentId;
  if (parent !== '' && !spanIdPattern.test(parent)) return refuse('parentSpanId must be 16 hex digits or empty');
  const start = nanos(span.startTimeUnixNano);
  const end = nanos(span.endTimeUnixNano);
  if (start === undefined || start === 0n) return refuse('startTimeUnixNano must be a positive whole number of nanoseconds');
  if (end === undefined) return refuse('endTimeUnixNano must be a whole number of nanoseconds');
  let attributes: SpanAttributes;
  try {
    attributes = attributeMap(span.attributes, () => `${where()}.attributes`);
  } catch (error) {
    if (error instanceof MalformedTraceRequest) return refuse(error.message.slice(where().length + 1));
    throw error;
  }
  const kind = typeof span.kind === 'string' ? (spanKinds[span.kind] ?? 0) : Number.isInteger(span.kind) ? (span.kind as number) : 0;
  const rawCode = span.status?.code;
  const code: SpanStatusCode = typeof rawCode === 'string' ? (statusCodes[rawCode] ?? 0) : rawCode === 1 || rawCode === 2 ? rawCode : 0;
  return {
    traceId,
    spanId,
    ...(parent === '' ? {} : { parentSpanId: parent }),
    name: typeof span.name === 'string' ? span.name : '',
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: end < start ? start : end,
    attributes,
    resource,
    scope,
    status: { code, ...(span.status?.message ? { message: span.status.message } : {}) },
  };
}

const hexBytes = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/** An id as lowercase hex, whether the JSON mapping's hex string or protobuf's bytes. */
function idOf(value: unknown): string {
  if (typeof value === 'string') return value.toLowerCase();
  if (value instanceof Uint8Array) {
    let hex = '';
    for (const byte of value) hex += hexBytes[byte];
    return hex;
  }
  return '';
}

function isLongBits(value: unknown): value is LongBits {
  return typeof value === 'object' && value !== null && typeof (value as LongBits).low === 'number' && typeof (value as LongBits).high === 'number';
}

function nanos(value: unknown): bigint | undefined {
  if (value === undefined || value === null || value === '') return 0n;
  // fixed64 from protobuf: an unsigned count of nanoseconds in two 32-bit halves.
  if (isLongBits(value)) return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  if (typeof value === 'string' && /^\d{1,20}$/.test(value)) return BigInt(value);
  return undefined;
}

function attributeMap(list: unknown, where: () => string): SpanAttributes {
  const map: SpanAttributes = {};
  if (list === undefined || list === null) return map;
  if (!Array.isArray(list)) throw new MalformedTraceRequest(`${where()} must be an array of {key, value}`);
  for (const item of list as OtlpKeyValue[]) {
    if (item === null || typeof item !== 'object' || typeof item.key !== 'string') throw new MalformedTraceRequest(`${where()} must be an array of {key, value}`);
    map[item.key] = anyValue(item.value);
  }
  return map;
}

// A decoded protobuf message answers every field from its prototype's defaults ('' and false included);
// only the oneof member that was sent is its own property, as every member of a JSON object is.
const has = (value: object, field: keyof OtlpAnyValue): boolean => Object.hasOwn(value, field) && (value as OtlpAnyValue)[field] !== undefined;

function anyValue(value: OtlpAnyValue | undefined): SpanAttributeValue {
  if (value === undefined || value === null) return null;
  if (has(value, 'stringValue')) return value.stringValue!;
  if (has(value, 'boolValue')) return value.boolValue!;
  if (has(value, 'intValue') && value.intValue !== null) return integerValue(value.intValue!);
  // JSON has no NaN: an exporter that serializes one with JSON.stringify sends null, which is no value, not 0.
  if (has(value, 'doubleValue')) return value.doubleValue === null ? null : Number(value.doubleValue);
  if (has(value, 'arrayValue')) return (value.arrayValue!.values ?? []).map(anyValue);
  if (has(value, 'kvlistValue')) {
    const entries: Record<string, SpanAttributeValue> = {};
    for (const entry of value.kvlistValue!.values ?? []) if (typeof entry?.key === 'string') entries[entry.key] = anyValue(entry.value);
    return entries;
  }
  if (has(value, 'bytesValue')) return typeof value.bytesValue === 'string' ? value.bytesValue : base64(value.bytesValue!);
  return null;
}

/** An int64 within 2^53 as a number; beyond it a decimal string rather than lose digits. */
function integerValue(value: string | number | LongBits): SpanAttributeValue {
  if (isLongBits(value)) {
    const number = value.high * 4_294_967_296 + (value.low >>> 0);
    return Number.isSafeInteger(number) ? number : String((BigInt(value.high) << 32n) + BigInt(value.low >>> 0));
  }
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : String(value);
}

/** Bytes as the JSON mapping writes them, so both encodings give a bytes attribute the same value. */
function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

import type { CapturedSpan, SpanAttributes, SpanAttributeValue } from './captured-span.js';
import { mapGenAiSpan, type SpanCall, type SpanCallTags, type SpanMapping } from './span-dialects/map-genai-span.js';
import { eventTagNames, type EventTagName } from '../events/event-tags.js';

/** The tag names a span attribute can be mapped to, re-exported for the configuration of attributeTags. */

/** What the receiver remembers of a trace across requests, so its steps keep counting and its outcome finds its calls. */
export interface TraceMemory {
  /** The step already given to a span of this trace, or how many steps the trace has had. */
  get(traceId: string): { steps: Map<string, number> } | undefined;
  set(traceId: string, state: { steps: Map<string, number> }): void;
}

/** How spans become records. */
export interface SpanTranslation {
  /** Other attributes (span or resource) that carry a tag, e.g. {"enduser.id": "user_id"}. */
  attributeTags: Readonly<Record<string, EventTagName>>;
  memory: TraceMemory;
}

/** A record made from spans, with the span it came from so a refusal is reported against it. */
export interface SpanRecord {
  spanId: string;
  record: Record<string, unknown>;
}

/** What a request's spans became. */
export interface TranslatedSpans {
  /** Usage events, one per GenAI call span, then task outcomes. */
  records: SpanRecord[];
  /** Spans refused: a count that is not a whole non-negative number, with the attribute named. */
  rejected: Array<{ spanId: string; message: string }>;
  /** GenAI spans without usage of their own (outer SDK spans, tools, agents). */
  withoutUsage: number;
  /** Spans of anything else: HTTP, database, the app's own. */
  notGenAi: number;
}

const unitcostPrefix = 'unitcost.';
// Each tag with the attribute that states it, spelled once rather than for every span and ancestor read.
const unitcostTagAttributes = eventTagNames.map((name) => [name, `${unitcostPrefix}${name}`] as const);
const outcomeAttribute = `${unitcostPrefix}outcome`;
const taskAttribute = `${unitcostPrefix}task_id`;
const nanosPerMilli = 1_000_000n;

/**
 * Turns a request's spans into usage events and task outcomes. A GenAI call span becomes one event with id
 * `otel:<trace>:<span>`, so a span sent twice is stored once. Tags come from `unitcost.*` attributes, the
 * configured attribute map and the dialect's own fields, on the span, its ancestors in the request, then the
 * resource. Without a task id, the trace is the task: its calls are its steps in start order, and its root
 * span's status (or `unitcost.outcome`) is its outcome.
 */
export function spansToRecords(spans: readonly CapturedSpan[], translation: SpanTranslation): TranslatedSpans {
  const result: TranslatedSpans = { records: [], rejected: [], withoutUsage: 0, notGenAi: 0 };
  const byId = new Map(spans.map((span) => [`${span.traceId}:${span.spanId}`, span]));
  const mappings = new Map(spans.map((span) => [span, mapGenAiSpan(span)]));
  const calls: Array<{ span: CapturedSpan; call: SpanCall }> = [];
  for (const span of spans) {
    const mapping = mappings.get(span)!;
    if (mapping.kind === 'call') calls.push({ span, call: mapping.call });
    else if (mapping.kind === 'invalid') result.rejected.push({ spanId: span.spanId, message: `span ${span.spanId}: attribute ${mapping.attribute} ${mapping.message}` });
    else if (mapping.kind === 'no-usage') result.withoutUsage += 1;
    else result.notGenAi += 1;
  }
  // Two instrumentations may record one call twice (an SDK span around the client library's span): the
  // innermost span is the call on the wire, so a call span with a call span below it is not counted.
  const callSpanIds = new Set(calls.map(({ span }) => `${span.traceId}:${span.spanId}`));
  const coveringIds = new Set<string>();
  for (const { span } of calls) {
    for (const ancestor of ancestors(span, byId)) {
      const key = `${ancestor.traceId}:${ancestor.spanId}`;
      if (callSpanIds.has(key)) coveringIds.add(key);
    }
  }
  const counted = calls.filter(({ span }) => !coveringIds.has(`${span.traceId}:${span.spanId}`));
  result.withoutUsage += calls.length - counted.length;

  counted.sort((left, right) => compareBigint(left.span.startTimeUnixNano, right.span.startTimeUnixNano) || left.span.spanId.localeCompare(right.span.spanId));
  const traceTasks = new Set<string>();
  for (const { span, call } of counted) {
    const tags = tagsOf(span, byId, mappings, translation.attributeTags);
    if (tags.task_id === undefined) {
      tags.task_id = span.traceId;
      traceTasks.add(span.traceId);
      if (tags.step === undefined) tags.step = stepOf(span, translation.memory);
    }
    const latencyMs = Number((span.endTimeUnixNano - span.startTimeUnixNano) / 1000n) / 1000;
    const record: Record<string, unknown> = {
      id: `otel:${span.traceId}:${span.spanId}`,
      timestamp: isoFromNanos(span.startTimeUnixNano),
      ...(call.provider ? { provider: call.provider } : {}),
      model: call.model,
      ...call.counts,
      ...tags,
      ...(span.status.code === 2 ? { status: 'error' } : {}),
      latency_ms: latencyMs,
      ...(call.timeToFirstTokenMs !== undefined ? { time_to_first_token_ms: call.timeToFirstTokenMs } : {}),
      ...(Object.keys(call.attributes).length > 0 ? { attributes: call.attributes } : {}),
    };
    result.records.push({ spanId: span.spanId, record });
  }

  for (const span of spans) {
    const outcome = outcomeOf(span, traceTasks, translation);
    if (outcome) result.records.push({ spanId: span.spanId, record: outcome });
  }
  return result;
}

function outcomeOf(span: CapturedSpan, traceTasks: Set<string>, translation: SpanTranslation): Record<string, unknown> | undefined {
  const said = span.attributes[outcomeAttribute];
  const explicitTask = tagValue(span.attributes[taskAttribute]);
  if (said !== undefined && explicitTask !== undefined) {
    return outcomeRecord(explicitTask, said === 'failure' || said === false ? 'failure' : 'success', span);
  }
  if (span.parentSpanId !== undefined) return undefined;
  // A trace is a task only when it made calls, in this request or an earlier one; a trace of other work has no outcome.
  if (!traceTasks.has(span.traceId) && translation.memory.get(span.traceId) === undefined) return undefined;
  const outcome = said === 'failure' || said === false || (said === undefined && span.status.code === 2) ? 'failure' : 'success';
  return outcomeRecord(span.traceId, outcome, span);
}

function outcomeRecord(taskId: string, outcome: 'success' | 'failure', span: CapturedSpan): Record<string, unknown> {
  const feature = tagValue(span.attributes[`${unitcostPrefix}feature`]);
  return { type: 'outcome', task_id: taskId, outcome, timestamp: isoFromNanos(span.endTimeUnixNano), ...(feature ? { feature } : {}) };
}

function stepOf(span: CapturedSpan, memory: TraceMemory): number {
  const state = memory.get(span.traceId) ?? { steps: new Map<string, number>() };
  let step = state.steps.get(span.spanId);
  if (step === undefined) {
    step = state.steps.size + 1;
    state.steps.set(span.spanId, step);
  }
  memory.set(span.traceId, state);
  return step;
}

function* ancestors(span: CapturedSpan, byId: Map<string, CapturedSpan>): Generator<CapturedSpan> {
  const seen = new Set<string>();
  let parentId = span.parentSpanId;
  while (parentId !== undefined && !seen.has(parentId)) {
    seen.add(parentId);
    const parent = byId.get(`${span.traceId}:${parentId}`);
    if (!parent) return;
    yield parent;
    parentId = parent.parentSpanId;
  }
}

type Tags = Partial<Record<EventTagName, string | number>> & { step?: number; task_id?: string };

// Nearest first: the span's own unitcost.* and configured attributes, then what its dialect states, then
// the same from each ancestor in the request, then the resource. A nearer statement of a tag wins.
function tagsOf(
  span: CapturedSpan,
  byId: Map<string, CapturedSpan>,
  mappings: Map<CapturedSpan, SpanMapping>,
  attributeTags: Readonly<Record<string, EventTagName>>,
): Tags {
  const tags: Tags = {};
  const mapped = Object.entries(attributeTags);
  const take = (attributes: SpanAttributes): void => {
    for (const [name, attribute] of unitcostTagAttributes) if (tags[name] === undefined) setTag(tags, name, attributes[attribute]);
    for (const [attribute, name] of mapped) if (tags[name] === undefined) setTag(tags, name, attributes[attribute]);
  };
  const takeDialect = (of: CapturedSpan): void => {
    const stated = dialectTags(mappings.get(of));
    for (const name of eventTagNames) if (tags[name] === undefined && stated[name] !== undefined) setTag(tags, name, stated[name]);
  };
  for (const each of [span, ...ancestors(span, byId)]) {
    take(each.attributes);
    takeDialect(each);
  }
  take(span.resource);
  if (tags.environment === undefined) setTag(tags, 'environment', span.resource['deployment.environment.name'] ?? span.resource['deployment.environment']);
  return tags;
}

function dialectTags(mapping: SpanMapping | undefined): SpanCallTags {
  if (mapping?.kind === 'call') return mapping.call.tags;
  if (mapping?.kind === 'no-usage') return mapping.tags ?? {};
  return {};
}

function setTag(tags: Tags, name: EventTagName, value: SpanAttributeValue | undefined): void {
  if (name === 'step') {
    const step = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof step === 'number' && Number.isSafeInteger(step) && step >= 0) tags.step = step;
    return;
  }
  const text = tagValue(value);
  if (text !== undefined) tags[name] = text;
}

function tagValue(value: SpanAttributeValue | undefined): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value.slice(0, 512);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function isoFromNanos(nanos: bigint): string {
  return new Date(Number(nanos / nanosPerMilli)).toISOString();
}

function compareBigint(left: bigint, right: bigint): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

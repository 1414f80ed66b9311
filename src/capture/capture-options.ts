import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventTags } from '../core/events/event-tags.js';
import type { UsageEvent } from '../core/events/usage-event.js';

/** One usage event as the wrappers build it: a line of docs/events.md. */
export type CapturedEvent = UsageEvent;

/** The tags of docs/events.md that a wrapper stamps on every event it records. */
export type CaptureTags = EventTags & {
  attributes?: Record<string, string | number | boolean | null>;
};

/** Where captured events go. `write` must not block: it queues, and delivery happens later. */
export interface UsageSink {
  write(event: CapturedEvent): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** What every wrapper takes: where to send events, the tags they carry, and who hears about capture failures. */
export interface CaptureOptions {
  sink: UsageSink;
  tags?: CaptureTags;
  /** Overrides the provider the wrapper would write (e.g. 'azure' for an OpenAI client pointed at Azure). */
  provider?: string;
  /** Told about capture failures (a sink that throws, a response without usage); never rethrown to the caller. */
  onError?: (error: unknown) => void;
}

const tagStorage = new AsyncLocalStorage<CaptureTags>();

/**
 * Runs `fn` with extra tags on every call it makes through a wrapped client, without touching the
 * SDK's request types: `withUnitcostTags({ user_id }, () => client.chat.completions.create(...))`.
 * Nested calls merge, the inner tags winning; `attributes` merge key by key.
 */
export function withUnitcostTags<Result>(tags: CaptureTags, fn: () => Result): Result {
  return tagStorage.run(mergeTags(tagStorage.getStore(), tags), fn);
}

/** The tags of a call made now: the wrapper's own, under those of any enclosing withUnitcostTags. */
export function tagsForCall(base: CaptureTags | undefined): CaptureTags | undefined {
  const scoped = tagStorage.getStore();
  return scoped === undefined ? base : mergeTags(base, scoped);
}

function mergeTags(outer: CaptureTags | undefined, inner: CaptureTags): CaptureTags {
  if (outer === undefined) return inner;
  const merged: CaptureTags = { ...outer, ...inner };
  if (outer.attributes && inner.attributes) merged.attributes = { ...outer.attributes, ...inner.attributes };
  return merged;
}

/** Copies the defined tags onto an event, leaving out empty strings the event format would refuse. */
export function applyTags(event: CapturedEvent, tags: CaptureTags | undefined): CapturedEvent {
  if (tags === undefined) return event;
  for (const key of tagKeys) {
    const value = tags[key];
    if (value !== undefined && value !== null && value !== '') (event as Record<string, unknown>)[key] = value;
  }
  return event;
}

const tagKeys = ['feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'step', 'environment', 'attributes'] as const;

/** Hands an event to the sink; a sink that throws or rejects is reported to onError, never to the caller. */
export function deliver(options: CaptureOptions, event: CapturedEvent): void {
  try {
    const result: unknown = options.sink.write(event);
    if (result instanceof Promise) result.catch((error: unknown) => report(options, error));
  } catch (error) {
    report(options, error);
  }
}

/** Tells onError about a capture failure; an onError that throws is ignored, since nobody could catch it. */
export function report(options: Pick<CaptureOptions, 'onError'>, error: unknown): void {
  try {
    options.onError?.(error);
  } catch {
    // The caller's error handler failed; capture must still never throw into the wrapped call.
  }
}

/** The sinks' onError when none is given: a process warning, so that lost events are never silent. */
export function warnCaptureProblem(error: unknown): void {
  process.emitWarning(error instanceof Error ? error.message : String(error), { type: 'UnitcostCaptureWarning' });
}

/** How a failed call ended, from the SDKs' error classes (OpenAI's and Anthropic's share their names). */
export function statusOfError(error: unknown): 'error' | 'timeout' | 'cancelled' {
  const name = typeof error === 'object' && error !== null ? `${error.constructor?.name ?? ''} ${(error as { name?: unknown }).name ?? ''}` : '';
  if (/APIUserAbortError|AbortError/.test(name)) return 'cancelled';
  if (/APIConnectionTimeoutError|TimeoutError/.test(name)) return 'timeout';
  return 'error';
}

/** Milliseconds from `startedAt` to `endedAt` (performance.now() readings; now by default), rounded to a microsecond. */
export function elapsedMs(startedAt: number, endedAt: number = performance.now()): number {
  return Math.round((endedAt - startedAt) * 1000) / 1000;
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * `new Date(ms).toISOString()`, without building a Date for every call: the text up to the second is
 * kept and only the milliseconds are written, which matters on the caller's hot path.
 */
export function isoTimestamp(milliseconds: number): string {
  const second = Math.floor(milliseconds / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  return `${cachedPrefix}${String(milliseconds - second * 1000).padStart(3, '0')}Z`;
}

/** The model and tokens of a call that failed before any usage came back: recorded, at zero tokens. */
export function failedEvent(timestamp: string, provider: string, model: string, status: 'error' | 'timeout' | 'cancelled'): CapturedEvent {
  return { timestamp, provider, model: model || 'unknown', input_tokens: 0, output_tokens: 0, status };
}

/** Raised (to onError only) when a capture could not be recorded as it should. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

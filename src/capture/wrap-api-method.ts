import { report, statusOfError, type CaptureOptions } from './capture-options.js';

/**
 * What a wrapper does around one SDK call: it may rewrite the request body, sees the parsed result
 * (and may hand back a replacement, e.g. an observed stream), and hears about a request that failed.
 */
export interface CallObserver {
  body: unknown;
  /** The response's headers arrived; for a call that is not streamed, that is when it ended. */
  onResponse(): void;
  onData(data: unknown): unknown;
  onError(error: unknown): void;
}

// The part of the OpenAI and Anthropic SDKs' APIPromise the wrappers rely on. `_thenUnwrap` is how the
// SDKs themselves transform a result while keeping `.withResponse()` and `.asResponse()`; `responsePromise`
// rejects when the request fails, without starting the body parse that `.then` would.
interface ApiPromiseLike {
  _thenUnwrap(transform: (data: unknown) => unknown): unknown;
  responsePromise?: unknown;
}

const wrappedMarker = Symbol.for('unitcost.capture.wrapped');

/** The options of a wrapped client, held in one place so that wrapping the same client again replaces them. */
export interface OptionsHolder {
  options: CaptureOptions;
}

/**
 * Replaces `resource[name]` with a function that calls the original with the observer's body and
 * observes its result. The caller gets the SDK's own promise class back, with the SDK's own result and
 * errors; when the SDK's promise is not what we expect, the call passes through unobserved.
 */
export function wrapApiMethod(resource: object, name: string, holder: OptionsHolder, begin: (body: unknown, options: CaptureOptions) => CallObserver): void {
  const target = resource as Record<string, unknown>;
  const original = target[name];
  if (typeof original !== 'function' || (original as unknown as Record<symbol, unknown>)[wrappedMarker]) return;
  const wrapped = function (this: unknown, body: unknown, ...rest: unknown[]): unknown {
    const options = holder.options;
    let observer: CallObserver | undefined;
    try {
      observer = begin(body, options);
    } catch (error) {
      report(options, error);
    }
    const promise: unknown = original.call(this, observer ? observer.body : body, ...rest);
    if (observer === undefined || !isApiPromise(promise)) return promise;
    const active = observer;
    if (promise.responsePromise instanceof Promise) {
      promise.responsePromise.then(
        () => safely(options, () => active.onResponse()),
        (error: unknown) => safely(options, () => active.onError(error)),
      );
    }
    return promise._thenUnwrap((data) => {
      try {
        return active.onData(data);
      } catch (error) {
        report(options, error);
        return data;
      }
    });
  };
  Object.defineProperty(wrapped, wrappedMarker, { value: true });
  target[name] = wrapped;
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  return typeof value === 'object' && value !== null && typeof (value as ApiPromiseLike)._thenUnwrap === 'function';
}

function safely(options: CaptureOptions, action: () => void): void {
  try {
    action();
  } catch (error) {
    report(options, error);
  }
}

/** The SDKs' Stream: an async iterable with an AbortController, rebuilt around our iterator with its own class. */
interface SdkStream {
  controller: AbortController;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

/** How an observed stream ended: ok, failed (with the SDK's error class mapped), or stopped by the caller. */
export type StreamEnd = 'ok' | 'error' | 'timeout' | 'cancelled';

/**
 * Gives the caller a stream of the SDK's own class (so `.controller`, `.tee()` and `.toReadableStream()`
 * keep working) that yields what the SDK's would, minus the items `observe` returns false for, and
 * calls `end` once, however iteration stops.
 */
export function observeStream(
  stream: unknown,
  client: unknown,
  options: CaptureOptions,
  observe: (item: unknown) => boolean,
  end: (how: StreamEnd, error?: unknown) => void,
): unknown {
  if (!isSdkStream(stream)) return stream;
  const source = stream;
  const Stream = source.constructor as new (iterator: () => AsyncIterator<unknown>, controller: AbortController, client?: unknown) => unknown;
  // A hand-written iterator rather than an async generator: a generator's yield costs extra promise turns
  // on every chunk, and this sits on the caller's hot path.
  function iterate(): AsyncIterator<unknown> {
    const inner = source[Symbol.asyncIterator]();
    let finished = false;
    const finish = (how: StreamEnd, error?: unknown): void => {
      if (finished) return;
      finished = true;
      safely(options, () => end(how, error));
    };
    const fail = (error: unknown): never => {
      finish(statusOfError(error), error);
      throw error;
    };
    const settle = (result: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
      if (result.done) {
        // The SDKs end a stream quietly when its controller is aborted: that is a cancellation, not a success.
        finish(source.controller.signal.aborted ? 'cancelled' : 'ok');
        return result;
      }
      let keep = true;
      try {
        keep = observe(result.value);
      } catch (error) {
        report(options, error);
      }
      return keep ? result : inner.next().then(settle, fail);
    };
    return {
      // Chained with then() rather than an async function: one promise a chunk instead of three.
      next: () => inner.next().then(settle, fail),
      // The caller stopped reading (a `break`): the SDK's own iterator aborts the request.
      async return(value?: unknown) {
        finish('cancelled');
        await inner.return?.(value);
        return { done: true, value };
      },
    };
  }
  return new Stream(() => iterate(), source.controller, client);
}

function isSdkStream(value: unknown): value is SdkStream {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as SdkStream).controller instanceof AbortController &&
    typeof (value as SdkStream)[Symbol.asyncIterator] === 'function'
  );
}

import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Whether the client of a call is still there, and word when it leaves. On Node it is read from the
 * response's 'close' event, as @hono/node-server reads it: going through `request.signal` instead makes the
 * adapter build an AbortController and an EventTarget listener for every call, a measurable part of the
 * gateway's CPU at saturation, though almost no client ever leaves.
 */
export interface ClientConnection {
  readonly gone: boolean;
  /** Calls the listener once if the client leaves before its answer is written; returns the unsubscription. */
  onGone(listener: () => void): () => void;
}

/** The connection of a call the Node adapter serves: its incoming request and outgoing response. */
export function nodeClientConnection(incoming: IncomingMessage, outgoing: ServerResponse): ClientConnection {
  let gone = outgoing.closed && !outgoing.writableFinished;
  const listeners = new Set<() => void>();
  if (!gone) {
    outgoing.once('close', () => {
      if (!incoming.errored && outgoing.writableFinished) return;
      gone = true;
      for (const listener of listeners) listener();
      listeners.clear();
    });
  }
  return {
    get gone() {
      return gone;
    },
    onGone(listener) {
      if (gone) {
        listener();
        return () => {};
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The same from a Fetch Request's signal, where no Node response is at hand (another runtime, app.request in a test). */
export function signalClientConnection(request: Request): ClientConnection {
  return {
    get gone() {
      return request.signal.aborted;
    },
    onGone(listener) {
      if (request.signal.aborted) {
        listener();
        return () => {};
      }
      request.signal.addEventListener('abort', listener, { once: true });
      return () => request.signal.removeEventListener('abort', listener);
    },
  };
}

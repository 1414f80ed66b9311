import type { SecretKey } from '../../core/gateway/secret-key.js';
import type { Deliver } from './event-recorder.js';

// The statuses worth sending the same batch again for: the server was busy, down or slow.
const retryableStatuses = new Set([408, 429, 500, 502, 503, 504]);

interface BatchAnswer {
  rejected?: number;
  results?: Array<{ index?: number; status?: string; errors?: Array<{ field?: string; message?: string }> }>;
}

/**
 * Delivers events to a running unitcost server as NDJSON on POST /v1/events. Event ids are fixed when the
 * call ends, so a batch sent again after a timeout is stored once: the server counts it as duplicates.
 */
export function forwardDelivery(
  serverUrl: string,
  options: { apiKey?: SecretKey | undefined; requestTimeoutMs?: number; onProblem: (message: string) => void },
): Deliver {
  const endpoint = `${serverUrl.replace(/\/+$/, '')}/v1/events`;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  return async (events) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (options.apiKey !== undefined) headers.authorization = `Bearer ${options.apiKey.reveal()}`;
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body: `${events.map((event) => JSON.stringify(event)).join('\n')}\n`,
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      return { delivered: false, retryable: true, reason: `cannot reach ${endpoint}: ${networkReason(error)}` };
    }
    if (retryableStatuses.has(response.status)) {
      await response.body?.cancel();
      return { delivered: false, retryable: true, reason: `${endpoint} answered HTTP ${response.status}` };
    }
    const answer = (await response.json().catch(() => undefined)) as BatchAnswer | undefined;
    if (!response.ok && answer?.results === undefined) {
      return { delivered: false, retryable: false, reason: `${endpoint} refused the batch with HTTP ${response.status}` };
    }
    const refused = (answer?.results ?? []).filter((result) => result.status === 'rejected');
    if (refused.length > 0) {
      const reasons = refused
        .slice(0, 3)
        .map((result) => (result.errors ?? []).map((error) => `${error.field ?? ''} ${error.message ?? ''}`.trim()).join('; '))
        .join(' | ');
      options.onProblem(`the unitcost server refused ${refused.length} of ${events.length} gateway events: ${reasons}`);
    }
    return { delivered: true };
  };
}

// undici's "fetch failed" hides the reason in `cause`; its code (ECONNREFUSED) is what helps.
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

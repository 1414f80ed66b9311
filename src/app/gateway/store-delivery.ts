import type { BatchResult, RawRecord } from '../server-types.js';
import type { Deliver } from './event-recorder.js';

/**
 * Delivers events by the write path of POST /v1/events (validate, price, group commit, idempotent by id),
 * so a call recorded by the gateway is stored exactly as if it had been posted. A record the store refuses
 * would be refused again, so refusals are reported, not retried; a failed commit is retried.
 */
export function storeDelivery(ingestBatch: (records: RawRecord[], source: string) => Promise<BatchResult>, onProblem: (message: string) => void): Deliver {
  return async (events) => {
    const result = await ingestBatch(
      events.map((value, index) => ({ index, value })),
      'gateway',
    );
    const refused = result.results.filter((record) => record.status === 'rejected');
    if (refused.length > 0) {
      const reasons = refused
        .slice(0, 3)
        .map((record) => (record.errors ?? []).map((error) => `${error.field} ${error.message}`).join('; '))
        .join(' | ');
      onProblem(`the store refused ${refused.length} of ${events.length} gateway events: ${reasons}`);
    }
    return { delivered: true };
  };
}

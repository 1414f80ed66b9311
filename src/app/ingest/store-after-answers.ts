import type { Store } from '../../store/store.js';

/** Members of a store that answer at once (no promise): they never wait. */
const answeredAtOnce = new Set<PropertyKey>(['apiKeyTable', 'recordKeyChecks']);

/**
 * The store as the server's callers see it: a call that may read waits until every batch the server has answered
 * is committed (RecordIngester.loaded), so that a caller holding the answer to a POST never reads without its
 * records, as when each answer waited for its own commit. The server's own reads wait the same way, in its queue.
 */
export function storeAfterAnswers(store: Store, loaded: () => Promise<void>): Store {
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function' || answeredAtOnce.has(property)) return typeof value === 'function' ? value.bind(target) : value;
      return (...args: unknown[]) => loaded().then(() => (value as (...args: unknown[]) => unknown).apply(target, args));
    },
  });
}

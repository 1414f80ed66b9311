import { createHash } from 'node:crypto';
import type { CachedAnswer, GatewayServices } from '../app/gateway/gateway-services.js';
import type { CacheChoice } from '../core/gateway/response-cache.js';
import { responseCacheKey } from '../core/gateway/response-cache-key.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import type { RequestHeaders } from './call-exchange.js';

/** A call the response cache looked up: where its answer would be stored, and the answer held, if any. */
export interface CacheLookup {
  choice: CacheChoice;
  key: string;
  hit: CachedAnswer | undefined;
}

// An answer larger than this is not held: one long answer should not take the memory of thousands of short ones.
export const maxCachedAnswerLength = 1_000_000;

/**
 * Looks a call up in the response cache of its feature, if it has one. The key is a digest of the
 * normalized request and its tenant (the upstream, the client's key headers and the team), so that neither
 * prompt text nor a key is held in memory as it was sent, and answers are never shared across keys or teams.
 */
export function lookUpResponseCache(
  services: GatewayServices,
  call: { tags: GatewayTags; model: string; upstream: string; endpoint: string; body: Record<string, unknown>; streamed: boolean; headers: RequestHeaders; keyHeaders: readonly string[] },
): CacheLookup | undefined {
  const choice = services.responseCache.choose({ tags: call.tags, model: call.model });
  if (choice === undefined) return undefined;
  const credential = call.keyHeaders.map((name) => call.headers.get(name) ?? '').join('\u0000');
  const canonical = responseCacheKey({ upstream: call.upstream, credential, team: call.tags.team }, call.endpoint, call.body, call.streamed);
  const key = createHash('sha256').update(canonical).digest('base64url');
  return { choice, key, hit: services.responseCache.get(choice, key, services.now()) };
}

/** Holds an upstream's 200 answer for the next identical request, unless it is too large to be worth the memory. */
export function storeCachedAnswer(services: GatewayServices, lookup: CacheLookup, answer: CachedAnswer): void {
  if (answer.body.length > maxCachedAnswerLength) return;
  services.responseCache.set(lookup.choice, lookup.key, answer, services.now());
}

/** Gathers the events a stream sends its client, for the cache, and gives up past the size worth holding. */
export class StreamCapture {
  private readonly parts: string[] = [];
  private length = 0;

  /** Adds one event as the client received it. */
  add(raw: string): void {
    if (this.length > maxCachedAnswerLength) return;
    this.length += raw.length;
    if (this.length > maxCachedAnswerLength) this.parts.length = 0;
    else this.parts.push(raw);
  }

  /** The whole stream as the client received it, or undefined when it was too large to keep. */
  text(): string | undefined {
    return this.length > maxCachedAnswerLength ? undefined : this.parts.join('');
  }
}

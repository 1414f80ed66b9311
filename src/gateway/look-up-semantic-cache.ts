import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { CachedAnswer, GatewayServices } from '../app/gateway/gateway-services.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import type { SemanticCacheChoice } from '../core/gateway/semantic-cache.js';
import { responseCacheKey } from '../core/gateway/response-cache-key.js';
import { semanticCachePrompt } from '../core/gateway/semantic-cache-prompt.js';
import { maxCachedAnswerLength } from './look-up-response-cache.js';
import { requestEmbedding } from './request-embedding.js';
import type { RequestHeaders } from './call-exchange.js';

/** A call the semantic cache looked up: the answer of a prompt near enough, if any, and where to keep this call's own. */
export interface SemanticLookup {
  hit: { answer: CachedAnswer; similarity: number } | undefined;
  /** Holds the upstream's 200 answer under this prompt's embedding; does nothing when the prompt could not be embedded. */
  store(answer: CachedAnswer): void;
}

/**
 * The semantic cache rule a call falls under, if any: asked before lookUpSemanticCache, so that a call no rule
 * covers (every call, where none is configured) does not pay an await and its microtask.
 */
export function semanticCacheChoice(services: GatewayServices, call: { tags: GatewayTags; model: string }): SemanticCacheChoice | undefined {
  return services.semanticCache.choose(call);
}

/**
 * Looks a call up in the semantic cache rule `choice` chose, if the request's prompt is text. The
 * prompt is embedded (a billed call, recorded) and compared by cosine similarity with the prompts answered
 * before in the same partition: the tenant (the upstream, the client's key headers, the team), the route,
 * whether it streams, and every other field of the body (the model, temperature, tools, output limits…),
 * which must match exactly, as for the exact cache. Undefined when the prompt is not text; a lookup
 * whose embedding failed is a miss that stores nothing.
 */
export async function lookUpSemanticCache(
  services: GatewayServices,
  choice: SemanticCacheChoice,
  call: {
    tags: GatewayTags;
    model: string;
    upstream: string;
    endpoint: string;
    body: Record<string, unknown>;
    streamed: boolean;
    headers: RequestHeaders;
    keyHeaders: readonly string[];
    logger: Logger;
  },
): Promise<SemanticLookup | undefined> {
  const prompt = semanticCachePrompt(call.endpoint, call.body);
  if (!prompt.ok) {
    call.logger.debug({ route: call.endpoint, reason: prompt.reason }, 'semantic cache not looked up');
    return undefined;
  }
  // Computed now: the body is changed after the lookup (the usage a stream is asked for), and the partition holds what the client asked.
  const credential = call.keyHeaders.map((name) => call.headers.get(name) ?? '').join('\u0000');
  const canonical = responseCacheKey({ upstream: call.upstream, credential, team: call.tags.team }, call.endpoint, prompt.rest, call.streamed);
  const partition = createHash('sha256').update(canonical).digest('base64url');
  const vector = await requestEmbedding(services, { embedding: choice.embedding, text: prompt.text, tags: call.tags, headers: call.headers, logger: call.logger });
  if (vector === undefined) return { hit: undefined, store: () => {} };
  const match = services.semanticCache.nearest(choice, partition, vector, services.now());
  return {
    hit: match === undefined ? undefined : { answer: match.value, similarity: match.similarity },
    store: (answer) => {
      if (answer.body.length <= maxCachedAnswerLength) services.semanticCache.add(choice, partition, vector, answer, services.now());
    },
  };
}

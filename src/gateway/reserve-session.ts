import type { GatewayServices } from '../app/gateway/gateway-services.js';
import type { GatewayRefusal } from '../core/gateway/gateway-refusal.js';
import type { GatewayTags } from '../core/gateway/gateway-tags.js';
import type { SessionReservation } from '../core/gateway/session-ledger.js';
import { sessionRefusal } from '../core/gateway/session-refusal.js';

/** What the session limits said about a call: go, with what it holds on its session, or the refusal and the limit reached. */
export type SessionDecision = { ok: true; reservation: SessionReservation | undefined } | { ok: false; refusal: GatewayRefusal; limit: 'calls' | 'usd' };

/**
 * Counts a call on its session and reserves its worst case there, before it goes upstream. The cost is
 * computed only when the session's rule limits dollars; a call answered from the cache passes `free`,
 * counting as a step and holding nothing.
 */
export function reserveSession(services: GatewayServices, call: { tags: GatewayTags; model: string; free: boolean }, worstCase: () => number): SessionDecision {
  const rule = services.sessions.choose(call);
  if (rule === undefined) return { ok: true, reservation: undefined };
  const amount = call.free || !services.sessions.limitsSpend(rule) ? 0 : worstCase();
  const result = services.sessions.reserve(call, amount);
  if (!result.ok) return { ok: false, refusal: sessionRefusal(result.breach, amount), limit: result.breach.limit };
  return { ok: true, reservation: result.reservation };
}

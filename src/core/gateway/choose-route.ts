import type { RouteRule } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesPolicy } from './matches-policy.js';

/** The model a call goes to: the one asked for, or the one a rule sent it to. */
export type RouteChoice = { routed: false } | { routed: true; model: string; provider: string | undefined; rule: number };

/**
 * Picks the first routing rule that matches the call and whose share it falls in. The share is decided by a
 * stable hash of the user (else the session) and the rule, so one person stays on one side of a split;
 * calls with neither take `random()`, passed in because the core reads no clock and no entropy.
 */
export function chooseRoute(rules: readonly RouteRule[], call: { tags: GatewayTags; model: string }, random: () => number): RouteChoice {
  for (const [index, rule] of rules.entries()) {
    if (!matchesPolicy(rule.when, call)) continue;
    if (rule.share < 1) {
      const who = call.tags.user_id ?? call.tags.session_id;
      const draw = who === undefined ? random() : unitHash(`${index}:${who}`);
      if (draw >= rule.share) continue;
    }
    return { routed: true, model: rule.to.model, provider: rule.to.provider, rule: index };
  }
  return { routed: false };
}

// FNV-1a to a number in [0, 1): stable across processes and restarts, which Math.random is not.
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

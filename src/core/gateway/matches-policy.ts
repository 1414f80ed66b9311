import type { PolicyMatch } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesModelPattern } from './model-pattern.js';

/** Whether a call meets every condition a policy gives; a policy with none matches every call. */
export function matchesPolicy(when: PolicyMatch, call: { tags: GatewayTags; model: string }): boolean {
  if (when.feature !== undefined && when.feature !== call.tags.feature) return false;
  if (when.team !== undefined && when.team !== call.tags.team) return false;
  if (when.user_tier !== undefined && when.user_tier !== call.tags.user_tier) return false;
  return when.model === undefined || matchesModelPattern(when.model, call.model);
}

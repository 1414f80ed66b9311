import type { OutputCap } from './gateway-config.js';
import type { GatewayTags } from './gateway-tags.js';
import { matchesPolicy } from './matches-policy.js';

/** What an output cap did to a request: nothing, set a limit the client left out, or lowered the client's. */
export type OutputCapAction = { action: 'none' } | { action: 'set' | 'clamped'; field: string; limit: number; requested?: number };

/**
 * Applies the first output cap whose conditions match the call. `fields` are the request's limit fields
 * (e.g. max_completion_tokens and the older max_tokens): every one present above the cap is clamped, and
 * when none is present the first is set. The body is changed in place only when a cap acts.
 */
export function applyOutputCap(
  caps: readonly OutputCap[],
  call: { tags: GatewayTags; model: string },
  body: Record<string, unknown>,
  fields: readonly string[],
): OutputCapAction {
  const cap = caps.find(({ when }) => matchesPolicy(when, call));
  if (cap === undefined || fields.length === 0) return { action: 'none' };
  const limit = cap.max_output_tokens;
  const present = fields.filter((field) => typeof body[field] === 'number');
  if (present.length === 0) {
    body[fields[0]!] = limit;
    return { action: 'set', field: fields[0]!, limit };
  }
  let clamped: OutputCapAction = { action: 'none' };
  for (const field of present) {
    const requested = body[field] as number;
    if (requested <= limit) continue;
    body[field] = limit;
    clamped = { action: 'clamped', field, limit, requested };
  }
  return clamped;
}

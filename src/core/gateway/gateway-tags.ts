import type { EventTags } from '../events/event-tags.js';

/** The tags a client sends as headers, named as usage events name them. */
export type GatewayTags = Omit<EventTags, 'environment'>;

/** Each tag header and the event field it fills; the prefix keeps them apart from the providers' own headers. */
export const tagHeaders = {
  'x-unitcost-feature': 'feature',
  'x-unitcost-team': 'team',
  'x-unitcost-user-tier': 'user_tier',
  'x-unitcost-user': 'user_id',
  'x-unitcost-session': 'session_id',
  'x-unitcost-task': 'task_id',
  'x-unitcost-step': 'step',
} as const satisfies Record<string, keyof GatewayTags>;

/** The tags read, or the first header at fault and why, for an error the client can act on. */
export type GatewayTagsResult = { ok: true; tags: GatewayTags } | { ok: false; header: string; message: string };

// The limits of the event format (docs/events.md): a header the store would refuse is refused here, before the call.
const maxTagLength = 512;
const maxStep = 2_147_483_647;

/**
 * Reads the x-unitcost-* tag headers of a request. A header that is present but unusable is an error rather
 * than a dropped tag: a call recorded under no feature is a cost nobody owns, and the client should hear of it.
 */
export function readGatewayTags(header: (name: string) => string | undefined): GatewayTagsResult {
  const tags: GatewayTags = {};
  for (const [name, field] of Object.entries(tagHeaders)) {
    const raw = header(name);
    if (raw === undefined) continue;
    const value = raw.trim();
    if (value === '') return { ok: false, header: name, message: `header ${name} is empty; leave it out or give a value` };
    if (field === 'step') {
      const step = Number(value);
      if (!/^\d+$/.test(value) || step > maxStep) return { ok: false, header: name, message: `header ${name} must be a whole number ≥ 0, got "${value.slice(0, 40)}"` };
      tags.step = step;
      continue;
    }
    if (value.length > maxTagLength) return { ok: false, header: name, message: `header ${name} is longer than ${maxTagLength} characters` };
    tags[field] = value;
  }
  return { ok: true, tags };
}

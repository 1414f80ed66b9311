import { z } from 'zod';
import type { FiredAlert } from './fired-alert.js';

/** A mute: alerts of a rule, of a scope, or of a rule on a scope open incidents without notifying anyone until a time. */
export interface AlertMute {
  /** mut_… */
  id: string;
  /** The rule's name, or null for every rule. */
  rule: string | null;
  /** Tags the alert's scope must carry with these values, or null for every scope. */
  scope: Record<string, string> | null;
  /** ISO timestamp after which the mute no longer applies. */
  until: string;
  reason: string | null;
  createdAt: string;
  createdBy: string | null;
}

/** The body of POST /v1/alerts/mutes: a rule, a scope or both, and until when. */
export const muteRequestSchema = z
  .object({
    rule: z.string().min(1, 'must not be empty').max(256).optional(),
    scope: z.record(z.string().min(1), z.string().min(1, 'must not be empty')).optional(),
    // A mute without an end is how an alert gets forgotten: say until when, and mute again if still needed.
    until: z.string({ error: () => 'is required: an ISO timestamp or date after which alerts notify again' }),
    reason: z.string().max(1000).optional(),
  })
  .strict()
  .superRefine((request, context) => {
    if (request.rule === undefined && (request.scope === undefined || Object.keys(request.scope).length === 0)) {
      context.addIssue({ code: 'custom', path: ['rule'], message: 'a mute needs a rule, a scope or both: muting everything is turning alerts off' });
    }
  });

/** A validated mute request. */
export type MuteRequest = z.output<typeof muteRequestSchema>;

/** Whether a mute applies to this alert at this instant. */
export function muteCovers(mute: AlertMute, alert: FiredAlert, nowMs: number): boolean {
  if (Date.parse(mute.until) <= nowMs) return false;
  if (mute.rule !== null && mute.rule !== alert.rule) return false;
  if (mute.scope !== null && !Object.entries(mute.scope).every(([tag, value]) => alert.scope[tag] === value)) return false;
  return true;
}

/** The tags a span attribute can be mapped to: those of a usage event. */
export const spanTagNames = ['feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'step', 'environment'] as const;

/** One of the tags of a usage event. */
export type SpanTagName = (typeof spanTagNames)[number];

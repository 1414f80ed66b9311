/** The tags a usage event carries, named as the event format names them (docs/events.md): every report can group by them. */
export const eventTagNames = ['feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'step', 'environment'] as const;

/** One of the tags of a usage event. */
export type EventTagName = (typeof eventTagNames)[number];

/** A usage event's tags, each optional: strings of 1–512 characters, and the step, a whole number. */
export type EventTags = { [Name in Exclude<EventTagName, 'step'>]?: string } & { step?: number };

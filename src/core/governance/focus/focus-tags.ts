import { eventTagNames, type EventTagName } from '../../events/event-tags.js';
import { UnitcostError } from '../../unitcost-error.js';

/**
 * The tags the FOCUS export puts in Tags by default: those finance allocates cost by. user_id, session_id,
 * task_id and step name single calls, not cost owners; with them a month of 10M calls would be millions of
 * rows, so they are in Tags only when asked for (--tags).
 */
export const defaultFocusTagNames: readonly EventTagName[] = ['feature', 'team', 'user_tier', 'environment'];

/** Parses --tags: a comma-separated list of event tag names, each at most once; an empty list keeps no tags. */
export function parseFocusTagNames(value: string, field = '--tags'): EventTagName[] {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  const seen = new Set<string>();
  for (const name of names) {
    if (!(eventTagNames as readonly string[]).includes(name)) {
      throw new UnitcostError('invalid_argument', `${field}: "${name}" is not a tag of usage events; the tags are ${eventTagNames.join(', ')}`, { field });
    }
    if (seen.has(name)) throw new UnitcostError('invalid_argument', `${field}: "${name}" is named twice`, { field });
    seen.add(name);
  }
  return names as EventTagName[];
}

// The tags of a usage event that vendor metadata can fill.
const eventTagNames = ['feature', 'team', 'user_tier', 'user_id', 'session_id', 'task_id', 'step', 'environment'] as const;

/** One of the tags of a usage event. */
export type EventTagName = (typeof eventTagNames)[number];

// Vendors' metadata keys are free text: people write "Feature", "user-id", "env". These spellings (after
// lower-casing and turning "-", "." and spaces into "_") are read as our tags; anything else stays an attribute.
const tagAliases: Record<string, EventTagName> = {
  feature: 'feature',
  team: 'team',
  user_tier: 'user_tier',
  tier: 'user_tier',
  plan: 'user_tier',
  user_id: 'user_id',
  userid: 'user_id',
  session_id: 'session_id',
  sessionid: 'session_id',
  session: 'session_id',
  task_id: 'task_id',
  taskid: 'task_id',
  task: 'task_id',
  step: 'step',
  environment: 'environment',
  env: 'environment',
};

/** The tag a metadata key names, if it names one: "Feature" → feature, "user-id" → user_id, "env" → environment. */
export function tagNameFor(key: string, prefix = ''): EventTagName | undefined {
  let normalized = key.trim().toLowerCase();
  if (prefix !== '' && normalized.startsWith(prefix)) normalized = normalized.slice(prefix.length);
  return tagAliases[normalized.replace(/[-.\s]+/g, '_')];
}

/**
 * Gathers the tags and attributes of one imported call from a vendor's fields, metadata objects and tag
 * lists. Sources are added from the most general to the most deliberate, and a later value of a tag
 * replaces an earlier one: a key the user put in metadata on purpose ("feature") beats a field the vendor
 * fills by itself (its end user, its team alias).
 */
export class VendorTags {
  private readonly tags = new Map<EventTagName, { value: string | number; origin: string }>();
  private readonly attributes = new Map<string, string | number | boolean>();
  private readonly plainTags: string[] = [];

  /** Sets a tag from a field that means it; empty values are ignored. */
  set(tag: EventTagName, value: unknown, origin: string): void {
    if (tag === 'step') {
      const step = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
      // A step that is not a whole number cannot be a step; it is kept as an attribute rather than refusing the call.
      if (Number.isSafeInteger(step) && step >= 0) this.tags.set('step', { value: step, origin });
      else if (typeof value === 'string' || typeof value === 'number') this.attributes.set('step', value);
      return;
    }
    if (typeof value !== 'string' && typeof value !== 'number') return;
    const text = String(value).trim();
    if (text !== '') this.tags.set(tag, { value: text, origin });
  }

  /** Key-value metadata: keys that name a tag set it; other scalar values become attributes; nested values are dropped (attributes are flat). */
  addMetadata(metadata: Record<string, unknown>, origin: string, prefix = ''): void {
    for (const [key, value] of Object.entries(metadata)) {
      const tag = tagNameFor(key, prefix);
      if (tag !== undefined) this.set(tag, value, `${origin}.${key}`);
      else this.attribute(prefix !== '' && key.toLowerCase().startsWith(prefix) ? key.slice(prefix.length) : key, value);
    }
  }

  /** A list of tags: "feature:search" and "team=growth" set tags; other tags are kept, comma-joined, in attributes.tags. */
  addTagList(tags: readonly string[], origin: string): void {
    for (const entry of tags) {
      const match = /^([^:=]+)[:=](.+)$/.exec(entry);
      const tag = match ? tagNameFor(match[1]!) : undefined;
      if (match && tag !== undefined) this.set(tag, match[2]!, origin);
      else if (!this.plainTags.includes(entry)) this.plainTags.push(entry);
    }
  }

  /** An attribute of the call, kept when it is a string, a number or a boolean. */
  attribute(key: string, value: unknown): void {
    if (typeof value === 'string' ? value.trim() !== '' : typeof value === 'number' ? Number.isFinite(value) : typeof value === 'boolean') {
      this.attributes.set(key, value as string | number | boolean);
    }
  }

  /** Writes the tags and the attributes onto a usage event, and where each tag came from. */
  applyTo(record: Record<string, unknown>, origins: Record<string, string>): void {
    for (const [tag, { value, origin }] of this.tags) {
      record[tag] = value;
      origins[tag] = origin;
    }
    if (this.plainTags.length > 0 && !this.attributes.has('tags')) this.attributes.set('tags', this.plainTags.join(','));
    if (this.attributes.size > 0) record.attributes = Object.fromEntries(this.attributes);
  }
}

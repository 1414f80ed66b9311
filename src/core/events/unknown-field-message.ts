import { distance } from 'fastest-levenshtein';
import { outcomeRecordSchema, revenueRecordSchema, usageEventSchema } from './usage-event.js';

/** The fields of a usage event, an outcome and a revenue record: every name a record or a CSV column may use. */
export const eventFieldNames: readonly string[] = [
  ...new Set([...Object.keys(usageEventSchema.shape), ...Object.keys(outcomeRecordSchema.shape), ...Object.keys(revenueRecordSchema.shape)]),
];

// Names people send from provider responses or other tools, and the field that means the same here.
const knownMistakes: Record<string, string> = {
  prompt_tokens: 'use input_tokens (or send the provider\'s whole usage object as usage, with usage_format)',
  completion_tokens: 'use output_tokens (or send the provider\'s whole usage object as usage, with usage_format)',
  total_tokens: 'leave it out: the total is input_tokens + output_tokens',
  cached_tokens: 'use cache_read_tokens',
  cache_read_input_tokens: 'use cache_read_tokens, which is part of input_tokens',
  cache_creation_input_tokens: 'use cache_write_tokens, which is part of input_tokens',
  ts: 'use timestamp',
  time: 'use timestamp',
  cost: 'use cost_usd',
};

/**
 * The fields an unknown name most likely meant. A name that begins a field ("user" → user_id, user_tier)
 * is a shortened field, which edit distance ranks below unrelated short words ("user" is closer to
 * "usage"); otherwise the nearest field within three edits.
 */
export function suggestFieldNames(name: string, fields: readonly string[] = eventFieldNames): string[] {
  const key = name.trim().toLowerCase();
  if (fields.includes(key)) return [key];
  const extended = fields.filter((field) => field.startsWith(`${key}_`));
  if (key.length >= 2 && extended.length > 0) return extended.sort((a, b) => Number(b === `${key}_id`) - Number(a === `${key}_id`) || a.length - b.length);
  let nearest: string | undefined;
  let nearestDistance = 4;
  for (const field of fields) {
    const gap = distance(key, field);
    if (gap < nearestDistance) {
      nearest = field;
      nearestDistance = gap;
    }
  }
  return nearest ? [nearest] : [];
}

/** Why a name is not a field of a record of this kind, with the field it probably meant. */
export function unknownFieldMessage(name: string, kind: string, fields: readonly string[]): string {
  return `is not a field of a ${kind}${unknownFieldHint(name, fields)}; put your own tags in attributes`;
}

/** The fix for a name another tool or a provider response uses (prompt_tokens → input_tokens), if it is one. */
export function knownFieldMistake(name: string): string | undefined {
  return Object.hasOwn(knownMistakes, name) ? knownMistakes[name] : undefined;
}

/** The hint after an unknown field's name: a known mistake's fix, the fields it may have meant, or nothing. */
export function unknownFieldHint(name: string, fields: readonly string[] = eventFieldNames): string {
  const mistake = knownFieldMistake(name);
  if (mistake) return `: ${mistake}`;
  const suggestions = suggestFieldNames(name, fields);
  return suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : '';
}

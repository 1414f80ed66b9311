import { z } from 'zod';
import { UnitcostError } from '../unitcost-error.js';

const notACount = 'must be a non-negative integer';

/** A token count as providers send it: a whole number of tokens, never negative. */
export const tokenCount = z
  .number({ error: (issue) => (issue.input === undefined ? 'is required' : notACount) })
  .int(notACount)
  .nonnegative(notACount);

/**
 * A count a provider may leave out or send as null; both mean zero. OpenAI-compatible servers and
 * Anthropic's streaming events send null where the official API omits the field.
 */
export const optionalTokenCount = tokenCount.nullish().transform((count) => count ?? 0);

/** An object of counts; fields the schema does not name are dropped, since providers keep adding them. */
export function usageObject<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.object(shape, { error: 'must be an object' });
}

/**
 * Validates a provider's raw usage object, so that a bad field fails with the wire format and the
 * field path (`anthropic usage: cache_read_input_tokens must be a non-negative integer`) instead of
 * turning into NaN somewhere in a cost.
 */
export function parseProviderUsage<Schema extends z.ZodType>(source: string, schema: Schema, raw: unknown): z.infer<Schema> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = fieldPath(issue.path);
  const subject = field === '' ? source : `${source}: ${field}`;
  return throwInvalid(`${subject} ${issue.message}`, field === '' ? 'usage' : field);
}

/** Refuses usage whose parts add up to more than the total they belong to, naming every field involved. */
export function requirePartsWithin(source: string, totalField: string, total: number, parts: Record<string, number>): void {
  const names = Object.keys(parts);
  const sum = Object.values(parts).reduce((accumulated, part) => accumulated + part, 0);
  if (sum <= total) return;
  const subject = names.length === 1 ? `${names[0]} (${sum}) exceeds` : `${names.join(' + ')} (${sum}) exceed`;
  throwInvalid(`${source}: ${subject} ${totalField} (${total})`, names[0]!);
}

/** Throws the invalid_argument error every converter uses, so callers see one error shape for bad usage. */
export function throwInvalid(message: string, field: string): never {
  throw new UnitcostError('invalid_argument', message, { field });
}

function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

import { UnitcostError } from '../core/unitcost-error.js';

/** A route's query parameters: which it reads, and which of them may repeat (as `where` does). */
export interface QuerySpec<Name extends string> {
  single: readonly Name[];
  repeated?: readonly Name[];
}

/** The parameters as read: a single one as its string, a repeated one as every value given. */
export interface ParsedQuery<Name extends string> {
  values: Partial<Record<Name, string>>;
  repeated: Partial<Record<Name, string[]>>;
}

/**
 * Reads a request's query strictly: a parameter the route does not know, or a single one given twice,
 * is a 400 naming it, so that a typo (`?perod=week`) is never silently ignored and answered with other data.
 */
export function strictQuery<Name extends string>(url: string, spec: QuerySpec<Name>): ParsedQuery<Name> {
  const parameters = new URL(url).searchParams;
  const known = new Set<string>([...spec.single, ...(spec.repeated ?? [])]);
  const unknown = [...new Set([...parameters.keys()].filter((name) => !known.has(name)))];
  if (unknown.length > 0) {
    const allowed = [...known].sort().join(', ') || 'none';
    throw new UnitcostError('invalid_argument', `unknown query parameter${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')} (this route takes: ${allowed})`, { field: unknown[0]! });
  }
  const result: ParsedQuery<Name> = { values: {}, repeated: {} };
  for (const name of spec.single) {
    const values = parameters.getAll(name);
    if (values.length > 1) throw new UnitcostError('invalid_argument', `query parameter ${name} is given ${values.length} times; give it once`, { field: name });
    if (values.length === 1) result.values[name] = values[0]!;
  }
  for (const name of spec.repeated ?? []) {
    const values = parameters.getAll(name);
    if (values.length > 0) result.repeated[name] = values;
  }
  return result;
}

import { z } from 'zod';

/** A JSON schema turned into a check of parsed values, or where and why the schema itself is unusable. */
export type JsonSchemaCompilation =
  | { ok: true; check: (value: unknown) => JsonSchemaFailure | undefined }
  | { ok: false; path: Array<string | number>; message: string };

/** Why a value does not fit the schema: the first place it fails, as a JSON pointer, and what is wrong there. */
export interface JsonSchemaFailure {
  pointer: string;
  message: string;
}

type KeywordKind = 'schema' | 'schemas' | 'schema-map' | 'string' | 'strings' | 'number' | 'integer' | 'boolean' | 'schema-or-boolean' | 'types' | 'array' | 'any';

// The keywords zod's converter honours, each with the shape of its value. A keyword outside this list is refused
// rather than ignored: a misspelt `requird` would otherwise turn a check into one that every answer passes.
const keywords: Record<string, KeywordKind> = {
  type: 'types',
  properties: 'schema-map',
  patternProperties: 'schema-map',
  $defs: 'schema-map',
  definitions: 'schema-map',
  required: 'strings',
  additionalProperties: 'schema-or-boolean',
  propertyNames: 'schema',
  minProperties: 'integer',
  maxProperties: 'integer',
  items: 'schema-or-boolean',
  prefixItems: 'schemas',
  additionalItems: 'schema-or-boolean',
  contains: 'schema',
  minContains: 'integer',
  maxContains: 'integer',
  minItems: 'integer',
  maxItems: 'integer',
  uniqueItems: 'boolean',
  enum: 'array',
  const: 'any',
  anyOf: 'schemas',
  oneOf: 'schemas',
  allOf: 'schemas',
  $ref: 'string',
  minLength: 'integer',
  maxLength: 'integer',
  pattern: 'string',
  format: 'string',
  minimum: 'number',
  maximum: 'number',
  exclusiveMinimum: 'number',
  exclusiveMaximum: 'number',
  multipleOf: 'number',
  nullable: 'boolean',
  // Annotations: they say what a field is for and check nothing.
  $schema: 'string',
  $id: 'string',
  $comment: 'string',
  title: 'string',
  description: 'string',
  default: 'any',
  examples: 'any',
  readOnly: 'boolean',
  writeOnly: 'boolean',
  deprecated: 'boolean',
};

const jsonTypes = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/**
 * Compiles a JSON schema (draft 2020-12 or 7, the subset structured outputs use: types, properties, required,
 * enums, anyOf, local $ref…) into a check, with zod's converter doing the validating. The schema is first read
 * keyword by keyword, so that an unknown keyword or a value of the wrong shape is an error naming its place,
 * and a keyword zod cannot check (if/then/else, not, unevaluatedProperties) is refused, never skipped.
 */
export function compileJsonSchema(schema: unknown): JsonSchemaCompilation {
  const problem = shapeProblem(schema, []);
  if (problem !== undefined) return { ok: false, ...problem };
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { ok: false, path: [], message: error instanceof Error ? error.message : String(error) };
  }
  return {
    ok: true,
    check: (value) => {
      const result = validator.safeParse(value);
      if (result.success) return undefined;
      const issue = result.error.issues[0];
      return { pointer: `/${(issue?.path ?? []).map(String).join('/')}`, message: issue?.message ?? 'does not fit the schema' };
    },
  };
}

function shapeProblem(schema: unknown, path: Array<string | number>): { path: Array<string | number>; message: string } | undefined {
  if (typeof schema === 'boolean') return undefined;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { path, message: 'must be a JSON schema: an object such as { type: object, properties: {...} }' };
  for (const [keyword, value] of Object.entries(schema)) {
    const kind = keywords[keyword];
    const at = [...path, keyword];
    if (kind === undefined) return { path: at, message: `is not a JSON schema keyword the gateway can check (known: type, properties, required, enum, anyOf, items, $ref, …)` };
    const problem = valueProblem(kind, value, at);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function valueProblem(kind: KeywordKind, value: unknown, at: Array<string | number>): { path: Array<string | number>; message: string } | undefined {
  switch (kind) {
    case 'schema':
      return shapeProblem(value, at);
    case 'schema-or-boolean':
      return typeof value === 'boolean' ? undefined : shapeProblem(value, at);
    case 'schemas':
      if (!Array.isArray(value) || value.length === 0) return { path: at, message: 'must be a non-empty list of schemas' };
      for (const [index, item] of value.entries()) {
        const problem = shapeProblem(item, [...at, index]);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case 'schema-map':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { path: at, message: 'must map names to schemas' };
      for (const [name, item] of Object.entries(value)) {
        const problem = shapeProblem(item, [...at, name]);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case 'types': {
      const types = Array.isArray(value) ? value : [value];
      const wrong = types.find((type) => typeof type !== 'string' || !jsonTypes.has(type));
      return wrong === undefined && types.length > 0 ? undefined : { path: at, message: `must be one of ${[...jsonTypes].join(', ')} (or a list of them), got ${JSON.stringify(wrong)}` };
    }
    case 'strings':
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? undefined : { path: at, message: 'must be a list of property names' };
    case 'string':
      return typeof value === 'string' ? undefined : { path: at, message: 'must be a string' };
    case 'number':
      return typeof value === 'number' ? undefined : { path: at, message: 'must be a number' };
    case 'integer':
      return Number.isInteger(value) && (value as number) >= 0 ? undefined : { path: at, message: 'must be a whole number ≥ 0' };
    case 'boolean':
      return typeof value === 'boolean' ? undefined : { path: at, message: 'must be true or false' };
    case 'array':
      return Array.isArray(value) && value.length > 0 ? undefined : { path: at, message: 'must be a non-empty list of the values allowed' };
    case 'any':
      return undefined;
  }
}

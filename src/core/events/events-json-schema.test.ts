import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventsJsonSchema } from './events-json-schema.js';

const committedFile = fileURLToPath(new URL('../../../docs/events.schema.json', import.meta.url));
const generated = `${JSON.stringify(eventsJsonSchema(), null, 2)}\n`;

describe('docs/events.schema.json', () => {
  // To regenerate after changing the zod schemas: UPDATE_EVENTS_SCHEMA=1 npx vitest run src/core/events/events-json-schema.test.ts
  if (process.env.UPDATE_EVENTS_SCHEMA) writeFileSync(committedFile, generated);

  it('is what the zod schemas generate, so the published schema cannot drift from what ingest accepts', () => {
    const committed = readFileSync(committedFile, 'utf8');
    expect(committed, 'docs/events.schema.json is stale: rerun this test with UPDATE_EVENTS_SCHEMA=1').toBe(generated);
  });

  it('describes the three record kinds, each refusing unknown fields', () => {
    const schema = eventsJsonSchema() as { anyOf: Array<{ required: string[]; additionalProperties: boolean; properties: Record<string, unknown> }> };
    expect(schema.anyOf.map((kind) => kind.required)).toEqual([
      ['timestamp', 'model'],
      ['type', 'task_id', 'outcome', 'timestamp'],
      ['type', 'user_id', 'amount_usd', 'timestamp'],
    ]);
    expect(schema.anyOf.every((kind) => kind.additionalProperties === false)).toBe(true);
    expect(Object.keys(schema.anyOf[0]!.properties)).toContain('cache_write_1h_tokens');
  });
});

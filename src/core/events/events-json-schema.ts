import { z } from 'zod';
import { eventRecordSchema, eventSchemaVersion } from './usage-event.js';

/**
 * The JSON Schema (draft 2020-12) of one line of the event stream, generated from the zod schemas so the
 * two cannot drift; committed as docs/events.schema.json and checked against this by a test. Rules that
 * span fields (cache tokens within input_tokens, token counts or a raw usage object) and real calendar
 * dates are enforced on ingest but not expressible here; docs/events.md lists them.
 */
export function eventsJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(eventRecordSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: 'https://unitcost.dev/schemas/events.v1.schema.json',
    title: `unitcost event record, version ${eventSchemaVersion}`,
    description:
      'One line of a unitcost event stream (JSONL): a usage event (one LLM call; type "usage" or absent), a task outcome (type "outcome") or a revenue record (type "revenue"). See docs/events.md.',
    ...rest,
  };
}

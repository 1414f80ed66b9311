import type { FieldError } from '../../events/parse-event-record.js';

/** The tools whose exports `unitcost import` reads. */
export const importTools = ['litellm', 'langfuse', 'helicone'] as const;

/** One of the tools whose exports `unitcost import` reads. */
export type ImportTool = (typeof importTools)[number];

/**
 * What one row of a vendor export becomes: a usage event in the wire format of docs/events.md, a row
 * that is rightly not a call (skipped, with the reason), or a row that cannot be read (every field at
 * fault, named as the vendor spells it).
 */
export type ImportMapping =
  | {
      ok: true;
      record: Record<string, unknown>;
      /** For each event field the mapper filled, the vendor field it came from, so a later refusal can name the vendor's field. */
      origins: Record<string, string>;
    }
  | { ok: 'skip'; reason: string }
  | { ok: false; errors: FieldError[] };

/** Maps one vendor row (parsed from JSON, or a CSV row of strings) to a usage event. */
export type RowMapper = (row: Record<string, unknown>) => ImportMapping;

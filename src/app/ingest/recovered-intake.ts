import { existsSync } from 'node:fs';
import type { RowContext } from '../../core/events/to-stored-row.js';
import { convertPostedBody } from '../../ingest/posted-records.js';
import type { Store } from '../../store/store.js';
import { IntakeLog } from '../../store/intake-log.js';

/** The intake log beside a DuckDB store file (record-ingester.ts, `serve --intake-log`). */
export function intakeDirectoryOf(storePath: string): string {
  return `${storePath}.intake`;
}

/**
 * Stores the bodies a server answered from its intake log and had not committed when it stopped, before anything
 * else uses the store: every command opens the store through openStore, so a report after a crash already counts
 * them. Segment by segment, in the order they were answered, each body committed before the next: a record already
 * stored comes back as a duplicate, so a segment whose commit did happen is harmless to load again. A segment is
 * removed once loaded; one whose bodies cannot be stored is set aside (".failed") and said, so that the store opens.
 * Returns what to tell the operator (nothing when there was nothing to load).
 */
export async function loadLeftIntake(store: Store, storePath: string, context: RowContext): Promise<string[]> {
  const directory = intakeDirectoryOf(storePath);
  if (!existsSync(directory)) return [];
  const { recovered } = await IntakeLog.open(directory);
  if (recovered.length === 0) return [];
  const said: string[] = [];
  for (const segment of recovered) {
    let records = 0;
    try {
      for (const entry of segment.entries) {
        const converted = convertPostedBody(entry, { ...context, nowMs: entry.nowMs, source: entry.source });
        await store.appendBatch(converted.rows.batch);
        records += converted.results.length;
      }
      await IntakeLog.remove(segment.path);
      if (segment.entries.length > 0) said.push(`stored ${segment.entries.length.toLocaleString('en-US')} acknowledged batches (${records.toLocaleString('en-US')} records) from ${segment.path}, left by a server that stopped before committing them`);
    } catch (error) {
      const aside = await IntakeLog.setAside(segment.path);
      said.push(`could not store the acknowledged batches of ${segment.path} (${(error as Error).message}); moved to ${aside}, nothing else was lost`);
      continue;
    }
    if (segment.tornBytes > 0) said.push(`${segment.tornBytes.toLocaleString('en-US')} bytes at the end of ${segment.path} were a batch never acknowledged (the server stopped while writing it): not stored`);
  }
  return said;
}

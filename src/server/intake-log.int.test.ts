import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import { IntakeLog } from '../store/intake-log.js';
import { startServer } from './start-server.js';

// POST /v1/events answered once the body is in <db>.intake, before the commit that stores it with others
// (record-ingester.ts): what a client can see, against a server that answers after each commit.

const now = () => new Date('2026-03-20T12:00:00Z');
const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function event(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, timestamp: '2026-03-10T09:00:00Z', provider: 'openai', model: 'gpt-4o-mini', input_tokens: 1200, output_tokens: 300, feature: 'support-bot', user_id: 'user-1', ...overrides };
}

const ndjson = (events: Array<Record<string, unknown>>): string => `${events.map((item) => JSON.stringify(item)).join('\n')}\n`;

async function serve(directory: string, intakeLog = true) {
  const problems: string[] = [];
  const opened = await openServerServices(createApp({ now, directory }), { db: join(directory, 'store.duckdb'), intakeLog, refreshQuietMs: 600_000, onProblem: (message) => problems.push(message) });
  const server = await startServer({ services: opened.services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  return {
    ...opened,
    problems,
    post: (events: Array<Record<string, unknown>>) => fetch(`${server.url}/v1/events`, { method: 'POST', body: ndjson(events), headers: { 'Content-Type': 'application/x-ndjson' } }),
    get: (path: string) => fetch(`${server.url}${path}`),
    close: async () => {
      await server.close();
      await opened.services.close();
    },
  };
}

function storeDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-intake-serve-'));
  directories.push(directory);
  return directory;
}

const segmentsOf = (directory: string): string[] => {
  const log = join(directory, 'store.duckdb.intake');
  return existsSync(log) ? readdirSync(log).filter((name) => name.endsWith('.log')) : [];
};

describe('POST /v1/events with the intake log', () => {
  it('answers a batch of new calls from the log, and a report read right after its answer includes them', async () => {
    const directory = storeDirectory();
    const api = await serve(directory);
    try {
      const response = await api.post(Array.from({ length: 30 }, (_, index) => event(`call-${index}`, { user_id: `user-${index % 3}` })));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ received: 30, accepted: 30, duplicates: 0 });
      // Answered from the log: not committed yet.
      expect(segmentsOf(directory)).toHaveLength(1);
      expect(await (await api.get('/metrics')).text()).toMatch(/^unitcost_event_bodies_answered_before_commit_total 1$/m);

      const report = (await (await api.get('/v1/report?by=user_id&from=2026-03-01&to=2026-04-01')).json()) as { rows: Array<{ user_id: string; calls: number }> };
      expect(report.rows.map((row) => [row.user_id, row.calls]).sort()).toEqual([
        ['user-0', 10],
        ['user-1', 10],
        ['user-2', 10],
      ]);
      // The read committed the batch first; its segment went with it.
      expect(segmentsOf(directory)).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('gives every answer, duplicate and conflict that a server answering after each commit gives, and stores the same', async () => {
    const withLog = await serve(storeDirectory());
    const withoutLog = await serve(storeDirectory(), false);
    try {
      const batches = [
        Array.from({ length: 20 }, (_, index) => event(`e-${index}`)),
        // Re-sent while the first may still wait for its commit: 19 duplicates, one conflict, one new call.
        [...Array.from({ length: 20 }, (_, index) => event(`e-${index}`, index === 4 ? { output_tokens: 1 } : {})), event('e-new')],
        [event('f-1'), event('f-1'), event('f-2', { input_tokens: -1 })],
        [{ type: 'outcome', task_id: 'task-1', outcome: 'success', timestamp: '2026-03-10T09:05:00Z' }, { type: 'revenue', id: 'rev-1', user_id: 'user-1', amount_usd: 20, timestamp: '2026-03-10T09:05:00Z' }],
      ];
      for (const batch of batches) {
        const [there, here] = await Promise.all([withLog.post(batch), withoutLog.post(batch)]);
        expect(there.status).toBe(here.status);
        expect(await there.json()).toEqual(await here.json());
      }
      expect(await withLog.store.counts()).toEqual(await withoutLog.store.counts());
      expect(await withLog.store.counts()).toMatchObject({ usageEvents: 22, outcomes: 1, revenue: 1 });
      expect(withLog.services.ingestCounters()).toEqual({ ...withoutLog.services.ingestCounters(), answeredBeforeCommit: withLog.services.ingestCounters().answeredBeforeCommit });
      expect(withLog.services.ingestCounters().answeredBeforeCommit).toBeGreaterThan(0);
      expect(withoutLog.services.ingestCounters().answeredBeforeCommit).toBe(0);
    } finally {
      await withLog.close();
      await withoutLog.close();
    }
  });

  it('stores, when it starts, the batches a stopped server answered and did not commit, and ignores a batch it never finished writing', async () => {
    const directory = storeDirectory();
    // What a server killed between its answers and their commit leaves: a segment of answered bodies.
    const { log } = await IntakeLog.open(join(directory, 'store.duckdb.intake'));
    const segment = log.beginSegment();
    await segment.append({ nowMs: now().getTime(), source: 'http:ci', format: 'ndjson', maxItems: 10_000, bytes: Buffer.from(ndjson([event('left-1'), event('left-2')])) });
    await segment.append({ nowMs: now().getTime(), source: 'http:ci', format: 'ndjson', maxItems: 10_000, bytes: Buffer.from(ndjson([event('left-3'), event('left-1')])) });
    await segment.close();
    // And a frame cut short: the server died while writing it, so it was never answered.
    writeFileSync(segment.path, Buffer.from([7, 0, 0, 0, 1, 2]), { flag: 'a' });

    // Whatever opens the store next loads them: here a server without the intake log.
    const api = await serve(directory, false);
    try {
      expect(api.warnings).toEqual([
        expect.stringMatching(/^stored 2 acknowledged batches \(4 records\) from .*0000000001\.log, left by a server that stopped before committing them$/),
        expect.stringMatching(/^6 bytes at the end of .*0000000001\.log were a batch never acknowledged/),
      ]);
      expect(await api.store.counts()).toMatchObject({ usageEvents: 3 });
      expect(segmentsOf(directory)).toEqual([]);
    } finally {
      await api.close();
    }
    expect(segmentsOf(directory)).toEqual([]);
  });
});

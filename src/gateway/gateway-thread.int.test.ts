import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { fakeUsage, startFakeProvider } from '../testing/fake-provider-server.js';
import { runGatewayThread, servingSemiSpaceMb } from './gateway-thread.js';

/*
 * `unitcost gateway` on its serving thread (gateway-thread.ts), as the shipped binary runs it: the thread
 * builds the app from the same config, serves, says where it listens through the main thread, writes every
 * event before it stops, and reports a failure as the UnitcostError the CLI would print.
 */

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function configDirectory(fakeUrl: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-gateway-thread-'));
  directories.push(directory);
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ gateway: { providers: { openai: { base_url: `${fakeUrl}/v1` } } } }));
  return directory;
}

function capture(): { stdout(text: string): void; stderr(text: string): void; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { stdout: (text) => (out += text), stderr: (text) => (err += text), out: () => out, err: () => err };
}

describe("the gateway's serving thread", () => {
  it('serves calls from a thread with a larger young generation, and writes every event before it stops', async () => {
    const fake = await startFakeProvider();
    const directory = configDirectory(fake.url);
    const db = join(directory, 'gateway.duckdb');
    const io = capture();
    let stop!: () => void;
    let servingHeapLimit = 0;
    const running = runGatewayThread({ app: { directory, environment: {} }, settings: { host: '127.0.0.1', port: 0, db, logLevel: 'silent' } }, io, new Promise<void>((resolve) => (stop = resolve)), (limit) => (servingHeapLimit = limit));
    try {
      await expect.poll(() => /OpenAI baseURL: (\S+)/.exec(io.out())?.[1], { timeout: 20_000 }).toBeTruthy();
      const client = new OpenAI({ baseURL: /OpenAI baseURL: (\S+)/.exec(io.out())![1]!, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: { 'x-unitcost-feature': 'support-faq' } });
      const { response } = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
      expect(response.headers.get('x-unitcost-cost-usd')).toMatch(/^0\.\d+$/);
      // V8's heap limit counts three semi-spaces: the serving thread's exceeds this thread's (V8's default 16 MB
      // semi-space) by three times the difference.
      const megabyte = 1024 * 1024;
      expect(servingHeapLimit - getHeapStatistics().heap_size_limit).toBeGreaterThanOrEqual(3 * (servingSemiSpaceMb - 16) * megabyte);
    } finally {
      stop();
      await running;
      await fake.close();
    }
    expect(io.err()).toContain(`unitcost gateway recording to ${db}`);
    expect(io.err()).toMatch(/stopping: finishing calls in flight and writing their events\n$/);
    const store = await DuckdbStore.open(db, { threads: 1 });
    try {
      const rows = (await store.database.connection.runAndReadAll('SELECT model, input_tokens, feature FROM usage_events')).getRowObjects();
      expect(rows).toEqual([{ model: 'gpt-4.1', input_tokens: BigInt(fakeUsage.openaiChat.prompt_tokens), feature: 'support-faq' }]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('reports a port in use as the UnitcostError that names --port', async () => {
    const holder = createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
    const fake = await startFakeProvider();
    const directory = configDirectory(fake.url);
    try {
      const failure = await runGatewayThread({ app: { directory, environment: {} }, settings: { host: '127.0.0.1', port, db: join(directory, 'g.duckdb'), logLevel: 'silent' } }, capture(), new Promise<void>(() => {})).catch((error: unknown) => error);
      expect(UnitcostError.isInstance(failure)).toBe(true);
      expect(failure).toMatchObject({ code: 'invalid_argument', details: { field: '--port' } });
      expect((failure as Error).message).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      holder.close();
      await fake.close();
    }
  }, 60_000);
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { DuckdbStore } from '../store/duckdb/duckdb-store.js';
import { fakeUsage, startFakeProvider } from '../testing/fake-provider-server.js';
import { captureIo } from './capture-io.js';
import { runGateway } from './gateway-command.js';
import { runCli } from './main.js';
import { runServe } from './serve-command.js';

async function storedCalls(db: string): Promise<Array<Record<string, unknown>>> {
  const store = await DuckdbStore.open(db, { threads: 1 });
  try {
    return (await store.database.connection.runAndReadAll('SELECT model, input_tokens, output_tokens, feature, source FROM usage_events')).getRowObjects() as Array<Record<string, unknown>>;
  } finally {
    await store.close();
  }
}

function configDirectory(fakeUrl: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-gateway-cmd-'));
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ gateway: { providers: { openai: { base_url: `${fakeUrl}/v1` } } } }));
  return directory;
}

describe('unitcost gateway', () => {
  it('proxies the OpenAI SDK, says where to point it, and writes every event before it stops', async () => {
    const fake = await startFakeProvider();
    const directory = configDirectory(fake.url);
    const db = join(directory, 'gateway.duckdb');
    const io = captureIo();
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = runGateway({ port: '0', host: '127.0.0.1', db, logLevel: 'silent' }, { app: () => createApp({ directory, environment: {} }), io }, until);
    await expect.poll(() => /OpenAI baseURL: (\S+)/.exec(io.out())?.[1]).toBeTruthy();
    const baseURL = /OpenAI baseURL: (\S+)/.exec(io.out())![1]!;
    const client = new OpenAI({ baseURL, apiKey: 'sk-client', maxRetries: 0, defaultHeaders: { 'x-unitcost-feature': 'support-faq' } });
    await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
    stop();
    await running;
    await fake.close();
    expect(io.err()).toContain(`unitcost gateway recording to ${db}`);
    expect(await storedCalls(db)).toEqual([{ model: 'gpt-4.1', input_tokens: BigInt(fakeUsage.openaiChat.prompt_tokens), output_tokens: BigInt(fakeUsage.openaiChat.completion_tokens), feature: 'support-faq', source: 'gateway' }]);
  });

  it('forwards its events to a running unitcost serve with --forward', async () => {
    const fake = await startFakeProvider();
    const directory = configDirectory(fake.url);
    const serverDb = join(directory, 'server.duckdb');
    const context = (io: ReturnType<typeof captureIo>) => ({ app: () => createApp({ directory, environment: {} }), io });
    const serveIo = captureIo();
    let stopServe!: () => void;
    const serving = runServe({ port: '0', db: serverDb, logLevel: 'silent' }, context(serveIo), new Promise<void>((resolve) => (stopServe = resolve)));
    await expect.poll(() => /API: (http:\/\/[^/\s]+)\//.exec(serveIo.out())?.[1]).toBeTruthy();
    const serverUrl = /API: (http:\/\/[^/\s]+)\//.exec(serveIo.out())![1]!;

    const gatewayIo = captureIo();
    let stopGateway!: () => void;
    const gateway = runGateway({ port: '0', host: '127.0.0.1', forward: serverUrl, logLevel: 'silent' }, context(gatewayIo), new Promise<void>((resolve) => (stopGateway = resolve)));
    await expect.poll(() => /OpenAI baseURL: (\S+)/.exec(gatewayIo.out())?.[1]).toBeTruthy();
    const client = new OpenAI({ baseURL: /OpenAI baseURL: (\S+)/.exec(gatewayIo.out())![1]!, apiKey: 'sk-client', maxRetries: 0 });
    await client.embeddings.create({ model: 'text-embedding-3-small', input: 'refund policy' });
    stopGateway();
    await gateway;
    stopServe();
    await serving;
    await fake.close();
    expect(gatewayIo.err()).toContain(`recording to ${serverUrl}`);
    expect(await storedCalls(serverDb)).toEqual([{ model: 'text-embedding-3-small', input_tokens: BigInt(fakeUsage.embeddings.prompt_tokens), output_tokens: 0n, feature: null, source: 'http' }]);
  });

  it('refuses --db together with --forward before opening anything', async () => {
    const io = captureIo();
    await expect(runGateway({ port: '0', host: '127.0.0.1', db: 'a.duckdb', forward: 'http://127.0.0.1:8787' }, { app: () => createApp({ directory: '/nonexistent-config-dir' }), io }, Promise.resolve())).rejects.toThrow(
      '--db and --forward exclude each other',
    );
  });

  it('teaches in --help how to point each SDK at it and how to tag calls', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'gateway', '--help'], io)).toBe(0);
    expect(io.out()).toContain("new OpenAI({ baseURL: 'http://127.0.0.1:8788/v1' })");
    expect(io.out()).toContain("new Anthropic({ baseURL: 'http://127.0.0.1:8788' })");
    expect(io.out()).toContain('x-unitcost-feature');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { fakeUsage, startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { captureIo } from './capture-io.js';
import { runServe, type ServeOptions } from './serve-command.js';

// gpt-4.1 at $2/M input, $0.50/M cached and $8/M output: the fake's usage costs $0.010916 a call, and a call
// limited to 2,000 output tokens reserves about $0.016 before it goes upstream.
const request = { model: 'gpt-4.1', messages: [{ role: 'user' as const, content: 'When does my order ship?' }], max_completion_tokens: 2_000 };

interface Serving {
  serverUrl: string;
  client: OpenAI;
  io: ReturnType<typeof captureIo>;
  stop(): Promise<void>;
}

const fakes: FakeProvider[] = [];
afterEach(async () => {
  for (const fake of fakes.splice(0)) await fake.close();
});

async function fakeAndDirectory(): Promise<{ fake: FakeProvider; directory: string }> {
  const fake = await startFakeProvider();
  fakes.push(fake);
  return { fake, directory: mkdtempSync(join(tmpdir(), 'unitcost-serve-gateway-')) };
}

function writeConfig(directory: string, fake: FakeProvider, budgets: unknown[] = []): void {
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ gateway: { providers: { openai: { base_url: `${fake.url}/v1` } } }, budgets }));
}

async function serve(directory: string, options: Partial<ServeOptions> = {}): Promise<Serving> {
  const io = captureIo();
  let stop!: () => void;
  const until = new Promise<void>((resolve) => (stop = resolve));
  const running = runServe({ port: '0', db: join(directory, 'store.duckdb'), logLevel: 'silent', gateway: true, gatewayPort: '0', ...options }, { app: () => createApp({ directory, environment: {} }), io }, until);
  await expect.poll(() => /OpenAI baseURL: (\S+)/.exec(io.out())?.[1]).toBeTruthy();
  const baseURL = /OpenAI baseURL: (\S+)/.exec(io.out())![1]!;
  return {
    serverUrl: /API: (http:\/\/[^/\s]+)\//.exec(io.out())![1]!,
    client: new OpenAI({ baseURL, apiKey: 'sk-client', maxRetries: 0 }),
    io,
    stop: async () => {
      stop();
      await running;
    },
  };
}

async function reportByFeature(serverUrl: string): Promise<Array<Record<string, unknown>>> {
  const response = await fetch(`${serverUrl}/v1/report?by=feature`);
  return ((await response.json()) as { rows: Array<Record<string, unknown>> }).rows;
}

describe('unitcost serve --gateway', () => {
  it('serves the gateway on a port of its own, and the server\'s reports see its calls while both run', async () => {
    const { fake, directory } = await fakeAndDirectory();
    writeConfig(directory, fake);
    const serving = await serve(directory);
    try {
      const completion = await serving.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'support-faq' } });
      expect(completion.usage?.prompt_tokens).toBe(fakeUsage.openaiChat.prompt_tokens);
      const chunks = await serving.client.chat.completions.create({ ...request, stream: true }, { headers: { 'x-unitcost-feature': 'support-faq' } });
      for await (const _chunk of chunks);
      await expect
        .poll(async () => (await reportByFeature(serving.serverUrl)).find((row) => row.feature === 'support-faq'), { timeout: 5_000 })
        .toMatchObject({ calls: 2, input_tokens: 2 * fakeUsage.openaiChat.prompt_tokens, cost_usd: 0.021832 });
      // Each port keeps its own meaning of GET /v1/models: the server's is the price catalog.
      const catalog = await fetch(`${serving.serverUrl}/v1/models?provider=openai`);
      expect(catalog.status).toBe(200);
      expect(JSON.stringify(await catalog.json())).toContain('gpt-4.1');
      expect(serving.io.out()).toMatch(/gateway: http:\/\/127\.0\.0\.1:\d+ {3}OpenAI baseURL: http:\/\/127\.0\.0\.1:\d+\/v1 {3}Anthropic baseURL: http:\/\/127\.0\.0\.1:\d+\n/);
    } finally {
      await serving.stop();
    }
  });

  it('starts its budgets from what the server\'s store has spent, per tag and over all spend', async () => {
    const { fake, directory } = await fakeAndDirectory();
    writeConfig(directory, fake);
    const first = await serve(directory);
    await first.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'support-faq' } });
    await first.stop();

    writeConfig(directory, fake, [
      { name: 'support-daily', per: 'feature', equals: 'support-faq', period: 'day', limit_usd: 0.02, mode: 'hard' },
      { name: 'all-daily', period: 'day', limit_usd: 0.025, mode: 'hard' },
    ]);
    const second = await serve(directory);
    try {
      const perFeature = await second.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'support-faq' } }).catch((error: unknown) => error);
      expect(perFeature).toBeInstanceOf(OpenAI.RateLimitError);
      expect((perFeature as Error).message).toContain('budget "support-daily" (feature support-faq) has spent $0.0109 of its $0.02 today');
      const overall = await second.client.chat.completions.create(request, { headers: { 'x-unitcost-feature': 'other-feature' } }).catch((error: unknown) => error);
      expect((overall as Error).message).toContain('budget "all-daily" (all spend) has spent $0.0109 of its $0.025 today');
      expect(fake.requests).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('names --gateway-port when the gateway\'s port is taken, and closes the server it started', async () => {
    const { fake, directory } = await fakeAndDirectory();
    writeConfig(directory, fake);
    const holder = await serve(directory, { db: join(directory, 'holder.duckdb') });
    const gatewayPort = /OpenAI baseURL: http:\/\/127\.0\.0\.1:(\d+)/.exec(holder.io.out())![1]!;
    try {
      const io = captureIo();
      const attempt = runServe({ port: '0', db: join(directory, 'other.duckdb'), logLevel: 'silent', gatewayPort }, { app: () => createApp({ directory, environment: {} }), io }, new Promise(() => {}));
      await expect(attempt).rejects.toThrow(`port ${gatewayPort} on 127.0.0.1 is in use: stop what holds it or pass --gateway-port`);
    } finally {
      await holder.stop();
    }
  });

  it('refuses a bad --gateway-port before opening anything', async () => {
    const attempt = runServe({ port: '0', gatewayPort: 'abc' }, { app: () => createApp({ directory: '/nonexistent-config-dir' }), io: captureIo() }, Promise.resolve());
    await expect(attempt).rejects.toThrow('--gateway-port must be a port number from 0 to 65535, got "abc"');
  });
});

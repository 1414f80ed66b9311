import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Anthropic } from '@anthropic-ai/sdk';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { startServer, type RunningServer } from '../server/start-server.js';
import { fakeUsage, startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { wrapAnthropic } from './anthropic.js';
import { serverSink, withUnitcostTags, wrapOpenAI } from './openai.js';

describe('wrapped clients sending to a real unitcost server', () => {
  let provider: FakeProvider;
  let server: RunningServer;
  let services: ServerServices;

  beforeAll(async () => {
    provider = await startFakeProvider();
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-capture-'));
    // The real clock: the wrappers stamp events with it, and the server refuses events from its future.
    const opened = await openServerServices(createApp({ directory: '/nonexistent-config-dir' }), { db: join(directory, 'store.duckdb') });
    services = opened.services;
    server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  });

  afterAll(async () => {
    await server?.close();
    await services?.close();
    await provider?.close();
  });

  it('stores every call with the exact tokens, and a report by feature shows them', async () => {
    const errors: unknown[] = [];
    const sink = serverSink({ url: server.url, batchSize: 3, onError: (error) => errors.push(error) });
    const openai = wrapOpenAI(new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'test-key' }), { sink, tags: { feature: 'capture-openai' } });
    const anthropic = wrapAnthropic(new Anthropic({ baseURL: provider.url, apiKey: 'test-key' }), { sink, tags: { feature: 'capture-anthropic' } });

    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
    for await (const _chunk of await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], stream: true }));
    await openai.responses.create({ model: 'gpt-5-mini', input: 'hi' });
    await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
    await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    await withUnitcostTags({ feature: 'capture-anthropic-stream' }, () =>
      anthropic.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(),
    );
    await sink.close();
    expect(errors).toEqual([]);

    // A window around today, so that a run at midnight UTC still finds its calls.
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const response = await fetch(`${server.url}/v1/report?by=feature&from=${day(-1)}&to=${day(2)}`);
    expect(response.status).toBe(200);
    const { rows } = (await response.json()) as { rows: Array<Record<string, unknown>> };
    const row = (feature: string) => rows.find((candidate) => candidate.feature === feature);
    const chat = fakeUsage.openaiChat;
    const responses = fakeUsage.openaiResponses;
    // Two chat calls (one streamed), one response, one embedding: OpenAI's input counts include the cache.
    expect(row('capture-openai')).toMatchObject({
      calls: 4,
      failed_calls: 0,
      unpriced_calls: 0,
      input_tokens: 2 * chat.prompt_tokens + responses.input_tokens + fakeUsage.embeddings.prompt_tokens,
      cache_read_tokens: 2 * chat.prompt_tokens_details.cached_tokens + responses.input_tokens_details.cached_tokens,
      output_tokens: 2 * chat.completion_tokens + responses.output_tokens,
      reasoning_tokens: 2 * chat.completion_tokens_details.reasoning_tokens + responses.output_tokens_details.reasoning_tokens,
    });
    // Anthropic's input_tokens leave the cache out; the stored total adds it back, streamed or not.
    const anthropicUsage = fakeUsage.anthropic;
    const anthropicRow = {
      calls: 1,
      input_tokens: anthropicUsage.input_tokens + anthropicUsage.cache_read_input_tokens + anthropicUsage.cache_creation_input_tokens,
      cache_read_tokens: anthropicUsage.cache_read_input_tokens,
      cache_write_5m_tokens: anthropicUsage.cache_creation.ephemeral_5m_input_tokens,
      cache_write_1h_tokens: anthropicUsage.cache_creation.ephemeral_1h_input_tokens,
      output_tokens: anthropicUsage.output_tokens,
    };
    expect(row('capture-anthropic')).toMatchObject(anthropicRow);
    expect(row('capture-anthropic-stream')).toMatchObject(anthropicRow);
  });
});

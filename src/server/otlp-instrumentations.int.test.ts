import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAI } from '@ai-sdk/openai';
import { ROOT_CONTEXT, SpanStatusCode, context, metrics, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { generateText, streamText } from 'ai';
import * as openaiModule from 'openai';
import { OpenAI } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { fakeUsage, startFakeProvider, type FakeProvider } from '../testing/fake-provider-server.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * What real instrumentations send, end to end: `@opentelemetry/instrumentation-openai` around the official
 * `openai` client, and the `ai` package with its telemetry on, each calling a fake provider that speaks
 * OpenAI's wire format (SSE included), each exporting through the official SDK's protobuf exporter to a real
 * `unitcost serve`. The stored calls must carry the tokens the fake returned, once each.
 */

const now = () => new Date();

describe('GenAI spans from real instrumentations, received by unitcost serve', () => {
  let provider: FakeProvider;
  let server: RunningServer;
  let services: ServerServices;
  let tracerProvider: NodeTracerProvider;

  beforeAll(async () => {
    provider = await startFakeProvider();
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-instrumentations-'));
    ({ services } = await openServerServices(createApp({ now, directory }), { db: join(directory, 'store.duckdb') }));
    server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent' });
    tracerProvider = new NodeTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'writer-app', 'unitcost.team': 'content' }),
      // The SDKs' default processor, which sends a trace that ends within its delay in one export.
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${server.url}/v1/traces` }))],
    });
    // As an app's tracing setup does: the context manager carries the request span into the client's spans.
    tracerProvider.register();
  });
  afterAll(async () => {
    await tracerProvider.shutdown();
    await server.close();
    await services.close();
    await provider.close();
  });

  async function featureRow(feature: string): Promise<Record<string, unknown> | undefined> {
    await tracerProvider.forceFlush();
    const response = await fetch(`${server.url}/v1/report?by=feature`, { headers: { 'Cache-Control': 'no-cache' } });
    const report = (await response.json()) as { rows: Array<Record<string, unknown>> };
    return report.rows.find((row) => row.feature === feature);
  }

  it("stores @opentelemetry/instrumentation-openai's chat spans, streamed and not, with the fake's tokens", async () => {
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(tracerProvider);
    // Its token histograms are made when a meter provider is set, as the NodeSDK does at start.
    instrumentation.setMeterProvider(metrics.getMeterProvider());
    // ESM imports cannot be hooked after the fact; the instrumentation's own module definition patches the
    // module we hand it, exactly as its loader hook would.
    const definition = instrumentation.getModuleDefinitions()[0]!;
    definition.patch!({ ...openaiModule, OpenAI }, '6.0.0');
    try {
      const client = new OpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'sk-test' });
      const tracer = tracerProvider.getTracer('writer-app');
      const root = tracer.startSpan('POST /draft', { attributes: { 'unitcost.feature': 'otel-openai', 'unitcost.user_id': 'user-7' } });
      await context.with(trace.setSpan(ROOT_CONTEXT, root), async () => {
        await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Where is my order?' }] });
        const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'And now?' }], stream: true, stream_options: { include_usage: true } });
        for await (const _chunk of stream) {
          // Reading the stream to its end is what ends the instrumentation's span.
        }
      });
      root.setStatus({ code: SpanStatusCode.OK });
      root.end();
    } finally {
      definition.unpatch!({ ...openaiModule, OpenAI }, '6.0.0');
    }
    // The instrumentation reports prompt and completion totals only: no cached or reasoning split.
    await expect.poll(() => featureRow('otel-openai')).toMatchObject({
      calls: 2,
      input_tokens: 2 * fakeUsage.openaiChat.prompt_tokens,
      output_tokens: 2 * fakeUsage.openaiChat.completion_tokens,
      successful_tasks: 1,
      active_users: 1,
      unpriced_calls: 0,
    });
  });

  it("stores the AI SDK's model calls once each, not again as their generateText and streamText spans", async () => {
    const openai = createOpenAI({ baseURL: `${provider.url}/v1`, apiKey: 'sk-test' });
    const tracer = tracerProvider.getTracer('ai');
    const telemetry = { isEnabled: true, tracer, metadata: { feature: 'ai-writer', user_tier: 'pro' } };
    const generated = await generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'Draft a reply.', experimental_telemetry: telemetry });
    expect(generated.text).not.toBe('');
    const streamed = streamText({ model: openai.responses('gpt-4o-mini'), prompt: 'Draft another.', experimental_telemetry: telemetry });
    await streamed.consumeStream();
    await expect.poll(() => featureRow('ai-writer')).toMatchObject({
      calls: 2,
      input_tokens: fakeUsage.openaiChat.prompt_tokens + fakeUsage.openaiResponses.input_tokens,
      cache_read_tokens: fakeUsage.openaiChat.prompt_tokens_details.cached_tokens + fakeUsage.openaiResponses.input_tokens_details.cached_tokens,
      output_tokens: fakeUsage.openaiChat.completion_tokens + fakeUsage.openaiResponses.output_tokens,
      reasoning_tokens: fakeUsage.openaiChat.completion_tokens_details.reasoning_tokens + fakeUsage.openaiResponses.output_tokens_details.reasoning_tokens,
      unpriced_calls: 0,
    });
  });
});

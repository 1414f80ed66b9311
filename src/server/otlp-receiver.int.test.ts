import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../app/create-app.js';
import { openServerServices } from '../app/server-service.js';
import type { ServerServices } from '../app/server-types.js';
import { computeCostTotal } from '../core/cost/compute-cost.js';
import { formatPicodollarsExact } from '../core/cost/picodollars.js';
import { normalizedUsage, type UsageCounts } from '../core/usage/normalized-usage.js';
import { otlpTypes } from '../ingest/otlp/otlp-trace-schema.js';
import { startServer, type RunningServer } from './start-server.js';

/*
 * The OTLP receiver end to end: the official OpenTelemetry SDK and both OTLP/HTTP exporters (protobuf, the
 * default of every SDK, and JSON) send to a real `unitcost serve` on loopback, which stores a real DuckDB
 * file. Spans here are written by hand in the semantic conventions; the instrumentations' own spans (OpenAI,
 * the AI SDK) are proven in capture-instrumentations.int.test.ts.
 */

const now = () => new Date('2026-03-20T12:00:00Z');
const secretPrompt = 'SECRET-PROMPT-TEXT do not keep';

interface Harness {
  app: App;
  server: RunningServer;
  services: ServerServices;
  dbPath: string;
  tracer(exporter: SpanExporter, resource?: Attributes, batched?: boolean): { tracer: Tracer; flush(): Promise<void> };
  report(query: string): Promise<{ rows: Array<Record<string, unknown>>; totals: Record<string, unknown> }>;
  post(body: string | Uint8Array, headers: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

async function serve(): Promise<Harness> {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-otlp-'));
  // An attribute the team's instrumentation already sets, mapped to a tag without re-instrumenting.
  writeFileSync(join(directory, 'unitcost.config.json'), JSON.stringify({ capture: { otlp: { attributes: { 'enduser.id': 'user_id', 'app.plan': 'user_tier' } } } }));
  const app = createApp({ now, directory });
  const dbPath = join(directory, 'store.duckdb');
  const { services } = await openServerServices(app, { db: dbPath });
  const server = await startServer({ services, host: '127.0.0.1', port: 0, logLevel: 'silent', otlpPort: 0 });
  const providers: BasicTracerProvider[] = [];
  return {
    app,
    server,
    services,
    dbPath,
    tracer(exporter, resource = {}, batched = false) {
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'support-app', ...resource }),
        spanProcessors: [batched ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter)],
      });
      providers.push(provider);
      return { tracer: provider.getTracer('hand-written-genai'), flush: () => provider.forceFlush() };
    },
    async report(query) {
      const response = await fetch(`${server.url}/v1/report?${query}`, { headers: { 'Cache-Control': 'no-cache' } });
      expect(response.status).toBe(200);
      return (await response.json()) as { rows: Array<Record<string, unknown>>; totals: Record<string, unknown> };
    },
    post: (body, headers) => fetch(`${server.otlpUrl}/v1/traces`, { method: 'POST', body, headers }),
    async close() {
      await Promise.all(providers.map((provider) => provider.shutdown()));
      await server.close();
      await services.close();
    },
  };
}

/** What the catalog charges for these counts of `model` on the test's day, as the report's exact string. */
function expectedCost(app: App, calls: Array<{ model: string; counts: UsageCounts }>): string {
  let total = 0n;
  for (const call of calls) {
    const answer = app.catalog.priceAt(call.model, Date.parse('2026-03-10T09:00:00Z'));
    if (!answer.priced) throw new Error(`${call.model} is not priced: ${answer.reason}`);
    total += BigInt(computeCostTotal(normalizedUsage(call.counts), answer.price.card));
  }
  return formatPicodollarsExact(total);
}

const day = Date.parse('2026-03-10T09:00:00Z');
const at = (seconds: number) => new Date(day + seconds * 1000);

function jsonSpan(spanId: string, attributes: Record<string, number | string>): Record<string, unknown> {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId,
    name: 'chat gpt-4o-mini',
    kind: 3,
    startTimeUnixNano: String(BigInt(day) * 1_000_000n),
    endTimeUnixNano: String(BigInt(day + 850) * 1_000_000n),
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } })),
  };
}

function jsonRequest(spans: Array<Record<string, unknown>>, resource: Record<string, string> = { 'unitcost.feature': 'raw-json' }): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: Object.entries(resource).map(([key, value]) => ({ key, value: { stringValue: value } })) },
        scopeSpans: [{ scope: { name: 'raw' }, spans }],
      },
    ],
  });
}

describe('the OTLP/HTTP trace receiver', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await serve();
  });
  afterAll(async () => {
    await harness.close();
  });

  it('stores the GenAI spans a protobuf exporter sends, every token class priced exactly, and makes the trace a task', async () => {
    // The SDKs' default processor: a trace that ends within its delay is exported whole, so the calls find
    // the tags set on the request's span.
    const { tracer, flush } = harness.tracer(new OtlpProtobufExporter({ url: `${harness.server.otlpUrl}/v1/traces` }), { 'unitcost.team': 'support' }, true);
    const root = tracer.startSpan('POST /tickets', { startTime: at(0), attributes: { 'unitcost.feature': 'support-bot', 'enduser.id': 'user-42', 'app.plan': 'pro' } });
    const inRoot = trace.setSpan(ROOT_CONTEXT, root);
    const openai = tracer.startSpan(
      'chat gpt-4o-mini',
      {
        startTime: at(1),
        attributes: {
          'gen_ai.provider.name': 'openai',
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': 'gpt-4o-mini',
          'gen_ai.response.model': 'gpt-4o-mini',
          'gen_ai.response.id': 'chatcmpl-1',
          'gen_ai.usage.input_tokens': 1200,
          'gen_ai.usage.cache_read.input_tokens': 200,
          'gen_ai.usage.output_tokens': 300,
          'gen_ai.input.messages': JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: secretPrompt }] }]),
        },
      },
      inRoot,
    );
    // Span events, where instrumentations put message content, are skipped by the decoder, never kept.
    openai.addEvent('gen_ai.user.message', { content: secretPrompt }, at(1));
    openai.addLink({ context: root.spanContext(), attributes: { reason: 'retry-of' } });
    openai.end(at(2));
    // The deprecated names, as older instrumentations still send them.
    const anthropic = tracer.startSpan(
      'chat claude-sonnet-4-5',
      {
        startTime: at(3),
        attributes: {
          'gen_ai.system': 'anthropic',
          'gen_ai.request.model': 'claude-sonnet-4-5',
          'gen_ai.usage.prompt_tokens': 5000,
          'gen_ai.usage.cache_read.input_tokens': 3000,
          'gen_ai.usage.cache_creation.input_tokens': 1500,
          'gen_ai.usage.completion_tokens': 700,
          'gen_ai.prompt.0.content': secretPrompt,
        },
      },
      inRoot,
    );
    anthropic.end(at(5));
    const database = tracer.startSpan('SELECT tickets', { startTime: at(5), attributes: { 'db.system.name': 'postgresql' } }, inRoot);
    database.end(at(6));
    root.setStatus({ code: SpanStatusCode.OK });
    root.end(at(7));
    await flush();

    const report = await harness.report('by=feature,team,user_tier');
    const row = report.rows.find((candidate) => candidate.feature === 'support-bot');
    expect(row).toMatchObject({
      team: 'support',
      user_tier: 'pro',
      calls: 2,
      input_tokens: 6200,
      cache_read_tokens: 3200,
      cache_write_5m_tokens: 1500,
      output_tokens: 1000,
      successful_tasks: 1,
      active_users: 1,
      unpriced_calls: 0,
    });
    expect(row!.cost_usd_exact).toBe(
      expectedCost(harness.app, [
        { model: 'gpt-4o-mini', counts: { inputTotal: 1200, cacheRead: 200, outputTotal: 300 } },
        { model: 'claude-sonnet-4-5', counts: { inputTotal: 5000, cacheRead: 3000, cacheWrite5m: 1500, outputTotal: 700 } },
      ]),
    );
    const metrics = await (await fetch(`${harness.server.url}/metrics`)).text();
    expect(metrics).toContain('unitcost_otlp_spans_total{kind="call"} 2');
    expect(metrics).toMatch(/unitcost_otlp_spans_total\{kind="not_genai"\} [1-9]/);
  });

  it('stores what a gzipped OTLP/JSON exporter sends, and a span sent twice once', async () => {
    const exporter = new OtlpHttpJsonExporter({ url: `${harness.server.url}/v1/traces`, compression: CompressionAlgorithm.GZIP });
    const { tracer, flush } = harness.tracer(exporter, { 'unitcost.feature': 'json-export', 'deployment.environment.name': 'staging' });
    const span = tracer.startSpan('embeddings text-embedding-3-small', {
      startTime: at(10),
      attributes: { 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.usage.input_tokens': 4096 },
    });
    span.end(at(11));
    await flush();
    const first = (await harness.report('by=feature,environment')).rows.find((row) => row.feature === 'json-export');
    expect(first).toMatchObject({ environment: 'staging', calls: 1, input_tokens: 4096, output_tokens: 0 });

    const body = jsonRequest([jsonSpan('00f067aa0ba902b7', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 10, 'gen_ai.usage.output_tokens': 5 })]);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await harness.post(gzipSync(body), { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-unitcost-calls')).toBe('1');
      expect(await response.json()).toEqual({});
    }
    const row = (await harness.report('by=feature')).rows.find((candidate) => candidate.feature === 'raw-json');
    expect(row).toMatchObject({ calls: 1, input_tokens: 10, output_tokens: 5 });
  });

  it('refuses a span with a negative or non-numeric count by id and attribute, and keeps the rest of the request', async () => {
    const body = jsonRequest(
      [
        jsonSpan('1111111111111111', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20 }),
        jsonSpan('2222222222222222', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': -5, 'gen_ai.usage.output_tokens': 20 }),
        jsonSpan('3333333333333333', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 'many' }),
        jsonSpan('4444444444444444', { 'http.request.method': 'GET', 'url.full': 'https://example.test/orders' }),
      ],
      { 'unitcost.feature': 'partly-bad' },
    );
    const response = await harness.post(body, { 'Content-Type': 'application/json' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-unitcost-calls')).toBe('1');
    expect(response.headers.get('x-unitcost-spans-not-genai')).toBe('1');
    const answer = (await response.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(answer.partialSuccess.rejectedSpans).toBe('2');
    expect(answer.partialSuccess.errorMessage).toContain('2222222222222222');
    expect(answer.partialSuccess.errorMessage).toContain('gen_ai.usage.input_tokens');
    expect(answer.partialSuccess.errorMessage).toContain('3333333333333333');
    expect(answer.partialSuccess.errorMessage).toContain('gen_ai.usage.output_tokens');
    const row = (await harness.report('by=feature')).rows.find((candidate) => candidate.feature === 'partly-bad');
    expect(row).toMatchObject({ calls: 1, input_tokens: 100 });
  });

  it('answers a body that is not an ExportTraceServiceRequest with 400 and a google.rpc.Status in its own encoding', async () => {
    const json = await harness.post('{"resourceSpans": [', { 'Content-Type': 'application/json' });
    expect(json.status).toBe(400);
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(await json.json()).toMatchObject({ code: 3, message: expect.stringContaining('not valid JSON') });

    const protobuf = await harness.post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { 'Content-Type': 'application/x-protobuf' });
    expect(protobuf.status).toBe(400);
    expect(protobuf.headers.get('content-type')).toBe('application/x-protobuf');
    const status = otlpTypes.rpcStatus.toObject(otlpTypes.rpcStatus.decode(new Uint8Array(await protobuf.arrayBuffer()))) as { code: number; message: string };
    expect(status.code).toBe(3);
    expect(status.message).toContain('protobuf');

    const wrongType = await harness.post('x', { 'Content-Type': 'text/plain' });
    expect(wrongType.status).toBe(415);
  });

  it('never stores prompt or completion text that spans carry', async () => {
    await harness.close();
    const instance = await DuckDBInstance.create(harness.dbPath, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const tables = (await (await connection.run("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'")).getRows()).map((row) => String(row[0]));
      expect(tables.length).toBeGreaterThan(0);
      for (const table of tables) {
        const found = await (await connection.run(`SELECT count(*) FROM "${table}" AS t WHERE CAST(t AS VARCHAR) LIKE '%SECRET-PROMPT%'`)).getRows();
        expect(Number(found[0]![0]), table).toBe(0);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    harness = await serve();
  });
});

describe('the OTLP receiver with API keys', () => {
  it('takes the same ingest scope as POST /v1/events: none is 401, a read key 403, an ingest key stores', async () => {
    const harness = await serve();
    try {
      const read = (await harness.services.keys.create('dashboards', 'read')).key;
      const ingest = (await harness.services.keys.create('collector', 'ingest')).key;
      const body = jsonRequest([jsonSpan('5555555555555555', { 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 7, 'gen_ai.usage.output_tokens': 3 })]);
      const json = { 'Content-Type': 'application/json' };
      expect((await harness.post(body, json)).status).toBe(401);
      expect((await harness.post(body, { ...json, Authorization: `Bearer ${read}` })).status).toBe(403);
      const accepted = await harness.post(body, { ...json, Authorization: `Bearer ${ingest}` });
      expect(accepted.status).toBe(200);
      expect(accepted.headers.get('x-unitcost-calls')).toBe('1');
    } finally {
      await harness.close();
    }
  });
});

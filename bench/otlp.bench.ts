import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { generateDemoEvents } from '../src/core/demo/generate-demo-events.js';
import { otlpTypes } from '../src/ingest/otlp/otlp-trace-schema.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';
import { get, startServerProcess } from './http-ingest.bench.js';

/*
 * OTLP trace ingest against event ingest, in the same run: the same LLM calls reach a fresh `unitcost serve`
 * either as OpenTelemetry GenAI spans (protobuf ExportTraceServiceRequests of 512 spans, the batch size of
 * the SDKs' BatchSpanProcessor) at POST /v1/traces, or as NDJSON usage events (batches of 512) at POST
 * /v1/events, from 8 concurrent clients each. Runs alternate A B A B… so that the machine's drift hits both;
 * the figure is the ratio of spans/s to events/s, pair by pair. The check: both stores hold every call, at
 * the same total cost to the picodollar.
 */

/** What issue 11 holds the receiver to: at least this share of /v1/events' rate; missing it is reported, not failed. */
export const otlpTargets = { rateRatio: 0.8 };

const defaults = { calls: 200_000, seed: 1, repetitions: 3 };
const batchSize = 512;
const clients = 8;

/** The OTLP receiver benchmark. */
export const benchmark: Benchmark = {
  name: 'otlp',
  description: 'spans/s stored through POST /v1/traces (protobuf, 512 spans a request, 8 clients) against POST /v1/events with the same calls',
  run: runOtlpBenchmark,
};

interface Call {
  record: Record<string, unknown>;
  span: Record<string, unknown>;
}

async function runOtlpBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const total = options.calls ?? defaults.calls;
  const repetitions = options.repetitions ?? defaults.repetitions;
  const calls = prepareCalls(total, options.seed ?? defaults.seed);
  const traceBodies: Buffer[] = [];
  const eventBodies: Buffer[] = [];
  for (let start = 0; start < calls.length; start += batchSize) {
    const slice = calls.slice(start, start + batchSize);
    const message = otlpTypes.request.fromObject({
      resourceSpans: [
        {
          resource: { attributes: [keyValue('service.name', 'bench-app'), keyValue('deployment.environment.name', 'production')] },
          scopeSpans: [{ scope: { name: 'bench' }, spans: slice.map((call) => call.span) }],
        },
      ],
    });
    traceBodies.push(Buffer.from(otlpTypes.request.encode(message).finish()));
    eventBodies.push(Buffer.from(slice.map((call) => JSON.stringify(call.record)).join('\n')));
  }
  const megabytes = (bodies: Buffer[]) => (bodies.reduce((sum, body) => sum + body.length, 0) / 1e6).toFixed(1);
  log(`${count(calls.length)} calls: ${traceBodies.length} OTLP requests (${megabytes(traceBodies)} MB protobuf), ${eventBodies.length} event batches (${megabytes(eventBodies)} MB NDJSON)`);

  const pairs: Array<{ traces: Run; events: Run; ratio: number }> = [];
  let passed = true;
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const traces = await timedRun('/v1/traces', 'application/x-protobuf', traceBodies, calls.length);
    const events = await timedRun('/v1/events', 'application/x-ndjson', eventBodies, calls.length);
    const ratio = traces.perSecond / events.perSecond;
    const same = traces.stored === calls.length && events.stored === calls.length && traces.costExact === events.costExact && traces.failures + events.failures === 0;
    passed &&= same;
    pairs.push({ traces, events, ratio });
    log(
      `pair ${repetition + 1}: traces ${count(Math.round(traces.perSecond))} spans/s, events ${count(Math.round(events.perSecond))} events/s, ratio ${ratio.toFixed(2)} ` +
        `(load ${loadavg()[0]!.toFixed(2)}); stored ${count(traces.stored)} / ${count(events.stored)}, cost $${traces.costExact} / $${events.costExact}: ${same ? 'exact' : 'MISMATCH'}`,
    );
  }
  const ratios = pairs.map((pair) => pair.ratio).sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  log(`median ratio ${median.toFixed(2)} (target ≥ ${otlpTargets.rateRatio}), pairs ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}`);
  return {
    passed,
    results: {
      calls: calls.length,
      batchSize,
      clients,
      pairs: pairs.map((pair) => ({ tracesPerSecond: Math.round(pair.traces.perSecond), eventsPerSecond: Math.round(pair.events.perSecond), ratio: pair.ratio })),
      medianRatio: median,
      targetRatio: otlpTargets.rateRatio,
      metTarget: median >= otlpTargets.rateRatio,
    },
  };
}

/** Demo usage events, each also written as the GenAI span an instrumentation would send for it. */
function prepareCalls(total: number, seed: number): Call[] {
  const calls: Call[] = [];
  for (const event of generateDemoEvents({ events: Math.ceil(total * 1.2), days: 90, seed, endMs: Date.UTC(2026, 2, 1) })) {
    // Demo events that carry a provider's raw usage object instead of counts have no span counterpart here.
    if (event.type !== undefined || event.input_tokens === undefined || calls.length >= total) continue;
    const index = calls.length;
    const traceId = (index + 1).toString(16).padStart(32, '0');
    const spanId = (index + 1).toString(16).padStart(16, '0');
    const startMs = Date.parse(event.timestamp as string);
    const latencyMs = Math.round(Number(event.latency_ms ?? 1000));
    const span: Record<string, unknown> = {
      traceId: Buffer.from(traceId, 'hex'),
      spanId: Buffer.from(spanId, 'hex'),
      // The call is a child of the app's request span, which is not in this export: no trace-level outcome.
      parentSpanId: Buffer.from('f'.repeat(16), 'hex'),
      name: `chat ${event.model as string}`,
      kind: 3,
      startTimeUnixNano: String(BigInt(startMs) * 1_000_000n),
      endTimeUnixNano: String(BigInt(startMs + latencyMs) * 1_000_000n),
      attributes: [
        keyValue('gen_ai.provider.name', event.provider as string),
        keyValue('gen_ai.operation.name', 'chat'),
        keyValue('gen_ai.request.model', event.model as string),
        keyValue('gen_ai.usage.input_tokens', event.input_tokens as number),
        keyValue('gen_ai.usage.output_tokens', event.output_tokens as number),
        keyValue('gen_ai.usage.cache_read.input_tokens', (event.cache_read_tokens as number | undefined) ?? 0),
        keyValue('gen_ai.usage.cache_creation.input_tokens', (event.cache_write_tokens as number | undefined) ?? 0),
        keyValue('gen_ai.usage.reasoning.output_tokens', (event.reasoning_tokens as number | undefined) ?? 0),
        keyValue('gen_ai.conversation.id', event.session_id as string),
        ...(['feature', 'team', 'user_tier', 'user_id', 'task_id'] as const).filter((tag) => event[tag] !== undefined).map((tag) => keyValue(`unitcost.${tag}`, event[tag] as string)),
        keyValue('unitcost.step', event.step as number),
      ],
      status: { code: event.status === undefined || event.status === 'ok' ? 1 : 2 },
    };
    const record: Record<string, unknown> = {
      id: `otel:${traceId}:${spanId}`,
      timestamp: new Date(startMs).toISOString(),
      provider: event.provider,
      model: event.model,
      input_tokens: event.input_tokens,
      output_tokens: event.output_tokens,
      cache_read_tokens: event.cache_read_tokens ?? 0,
      cache_write_tokens: event.cache_write_tokens ?? 0,
      reasoning_tokens: event.reasoning_tokens ?? 0,
      feature: event.feature,
      team: event.team,
      user_tier: event.user_tier,
      user_id: event.user_id,
      session_id: event.session_id,
      task_id: event.task_id,
      step: event.step,
      environment: 'production',
      latency_ms: latencyMs,
      ...(event.status === undefined || event.status === 'ok' ? {} : { status: 'error' }),
    };
    calls.push({ record, span });
  }
  return calls;
}

function keyValue(key: string, value: string | number): Record<string, unknown> {
  return { key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } };
}

interface Run {
  perSecond: number;
  stored: number;
  costExact: string;
  failures: number;
}

async function timedRun(path: string, contentType: string, bodies: Buffer[], calls: number): Promise<Run> {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-otlp-bench-'));
  const server = await startServerProcess(join(directory, 'bench.duckdb'));
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (;;) {
          const index = next;
          next += 1;
          if (index >= bodies.length) return;
          const answer = await send(`${server.url}${path}`, agent, contentType, bodies[index]!);
          if (answer.status !== 200 || (path === '/v1/traces' && answer.body.length > 0)) {
            failures += 1;
            if (failures <= 3) log(`  ${path} answered ${answer.status} with ${answer.body.length} bytes: ${answer.body.toString('latin1').slice(0, 200)}`);
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    const report = JSON.parse(await get(server.url, '/v1/report?by=environment')) as { totals: { calls: number; cost_usd_exact: string } };
    return { perSecond: calls / seconds, stored: report.totals.calls, costExact: report.totals.cost_usd_exact, failures };
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

function send(url: string, agent: Agent, contentType: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent, headers: { 'Content-Type': contentType, 'Content-Length': body.length } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}

function log(text: string): void {
  console.log(`   ${text}`);
}

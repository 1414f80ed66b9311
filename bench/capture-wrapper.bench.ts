import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { OpenAI } from 'openai';
import { wrapOpenAI } from '../src/capture/openai.js';
import { serverSink } from '../src/capture/sinks/server-sink.js';
import { fakeUsage } from '../src/testing/fake-provider-server.js';
import type { Benchmark, BenchmarkOptions, BenchmarkOutcome } from './benchmark.js';

/*
 * What wrapOpenAI adds to a call: the official openai client, bare and wrapped (events going to a server
 * sink), against the fake provider in a child process on loopback. Calls alternate bare/wrapped (the order
 * flipping every pair) so that the machine's drift hits both; the figure is the difference of the two
 * latency distributions at p50 and p99, for a plain chat completion and for a streamed one (read to its
 * end), with the caller asking for the stream's usage or not (when not, the wrapper asks, and the provider
 * sends one more chunk). The same is then measured over an in-memory transport (a `fetch` that answers at once), which takes
 * the network's noise out and leaves the SDK and the wrapper. The check: every wrapped call was recorded,
 * with the exact usage, and the sink delivered every event.
 */

/** What issue 11 holds the wrappers to; missing it is reported, not failed (timings are noisy). */
export const captureTargets = { p99OverheadMicroseconds: 50 };

const defaults = { calls: 5_000 };
const warmUpCalls = 500;
const childScript = fileURLToPath(new URL('./capture-fake-servers.ts', import.meta.url));
const messages = [{ role: 'user' as const, content: 'When does my order ship?' }];

/** The capture wrapper overhead benchmark. */
export const benchmark: Benchmark = {
  name: 'capture-wrapper',
  description: 'per-call overhead of wrapOpenAI (p50/p99, µs) against the bare openai client on a fake provider, plain and streamed',
  run: runCaptureWrapperBenchmark,
};

type Call = (client: OpenAI) => Promise<unknown>;

interface Overhead {
  scenario: string;
  transport: 'loopback' | 'in-memory';
  calls: number;
  bareP50: number;
  bareP99: number;
  wrappedP50: number;
  wrappedP99: number;
  overheadP50: number;
  overheadP99: number;
  /** Mean CPU time (user + system) per call: the work the wrapper adds, whatever the scheduler did meanwhile. */
  bareCpu: number;
  wrappedCpu: number;
  overheadCpu: number;
  loadAverage: number[];
}

async function runCaptureWrapperBenchmark(options: BenchmarkOptions): Promise<BenchmarkOutcome> {
  const calls = options.calls ?? defaults.calls;
  const child = spawn(process.execPath, [...process.execArgv, childScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const urls = JSON.parse(line) as { provider: string; events: string };
  const sinkErrors: unknown[] = [];
  const sink = serverSink({ url: urls.events, onError: (error) => sinkErrors.push(error) });
  const recorded = { events: 0, exact: 0 };
  // Counts what the wrapper hands the sink, and checks its usage, on the way to the real sink.
  const countingSink = {
    write(event: Parameters<typeof sink.write>[0]) {
      recorded.events += 1;
      if (event.usage?.prompt_tokens === fakeUsage.openaiChat.prompt_tokens && event.status === 'ok') recorded.exact += 1;
      sink.write(event);
    },
    flush: () => sink.flush(),
    close: () => sink.close(),
  };
  const results: Overhead[] = [];
  try {
    const chat: Call = (client) => client.chat.completions.create({ model: 'gpt-4.1', messages });
    const stream: Call = async (client) => {
      for await (const _chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true }));
    };
    const loopback = (wrapped: boolean) => {
      const client = new OpenAI({ baseURL: `${urls.provider}/v1`, apiKey: 'bench-key', maxRetries: 0 });
      return wrapped ? wrapOpenAI(client, { sink: countingSink, tags: { feature: 'bench' } }) : client;
    };
    const inMemory = (wrapped: boolean) => {
      const client = new OpenAI({ baseURL: 'http://in-memory.invalid/v1', apiKey: 'bench-key', maxRetries: 0, fetch: answerAtOnce });
      return wrapped ? wrapOpenAI(client, { sink: countingSink, tags: { feature: 'bench' } }) : client;
    };
    // The same stream when the caller asks for usage itself: the wrapper then adds no chunk, which separates
    // its own cost from that of the usage chunk it asks for on a caller's behalf.
    const streamAskingUsage: Call = async (client) => {
      for await (const _chunk of await client.chat.completions.create({ model: 'gpt-4.1', messages, stream: true, stream_options: { include_usage: true } }));
    };
    const scenarios = [
      ['chat', chat],
      ['chat stream', stream],
      ['chat stream, usage asked', streamAskingUsage],
    ] as const;
    for (const [scenario, call] of scenarios) {
      results.push(await measure(scenario, 'loopback', loopback(false), loopback(true), call, calls));
      results.push(await measure(scenario, 'in-memory', inMemory(false), inMemory(true), call, calls));
    }
    await sink.close();
    const delivered = ((await (await fetch(`${urls.events}/count`)).json()) as { received: number }).received;
    const expected = results.length * (calls + warmUpCalls);
    const passed = recorded.events === expected && recorded.exact === expected && delivered === expected && sinkErrors.length === 0;
    log(`recorded ${recorded.events} events (${recorded.exact} with the exact usage), the sink delivered ${delivered}, of ${expected}: ${passed ? 'exact' : 'MISMATCH'}`);
    const worst = Math.max(...results.map((result) => result.overheadP99));
    log(`worst p99 overhead ${worst.toFixed(1)} µs (target < ${captureTargets.p99OverheadMicroseconds} µs)`);
    return { passed, results: { calls, warmUpCalls, overheads: results, recorded, delivered, sinkErrors: sinkErrors.map(String), targetP99Microseconds: captureTargets.p99OverheadMicroseconds, metTarget: worst < captureTargets.p99OverheadMicroseconds } };
  } finally {
    child.kill('SIGTERM');
  }
}

async function measure(scenario: string, transport: Overhead['transport'], bare: OpenAI, wrapped: OpenAI, call: Call, calls: number): Promise<Overhead> {
  for (let index = 0; index < warmUpCalls; index += 1) {
    if (index % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    await call(bare);
    await call(wrapped);
  }
  const bareTimes = new Float64Array(calls);
  const wrappedTimes = new Float64Array(calls);
  const cpu = { bare: 0, wrapped: 0 };
  for (let index = 0; index < calls; index += 1) {
    // An app does I/O between calls; without it the in-memory transport, all microtasks, would starve the
    // sink's timers and sockets, and its queue would overflow. Outside the timed calls.
    if (index % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
    // The order flips every pair, so that neither side always runs right after the other's garbage.
    if (index % 2 === 0) {
      bareTimes[index] = await timed(call, bare, cpu, 'bare');
      wrappedTimes[index] = await timed(call, wrapped, cpu, 'wrapped');
    } else {
      wrappedTimes[index] = await timed(call, wrapped, cpu, 'wrapped');
      bareTimes[index] = await timed(call, bare, cpu, 'bare');
    }
  }
  bareTimes.sort();
  wrappedTimes.sort();
  const result: Overhead = {
    scenario,
    transport,
    calls,
    bareP50: quantile(bareTimes, 0.5),
    bareP99: quantile(bareTimes, 0.99),
    wrappedP50: quantile(wrappedTimes, 0.5),
    wrappedP99: quantile(wrappedTimes, 0.99),
    overheadP50: 0,
    overheadP99: 0,
    bareCpu: cpu.bare / calls,
    wrappedCpu: cpu.wrapped / calls,
    overheadCpu: (cpu.wrapped - cpu.bare) / calls,
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  result.overheadP50 = result.wrappedP50 - result.bareP50;
  result.overheadP99 = result.wrappedP99 - result.bareP99;
  log(
    `${`${scenario}, ${transport}`.padEnd(36)} bare p50 ${micro(result.bareP50)} p99 ${micro(result.bareP99)} | wrapped p50 ${micro(result.wrappedP50)} p99 ${micro(result.wrappedP99)} | ` +
      `overhead p50 ${micro(result.overheadP50)} p99 ${micro(result.overheadP99)} | CPU per call ${micro(result.bareCpu)} → ${micro(result.wrappedCpu)} (+${result.overheadCpu.toFixed(1)} µs) ` +
      `(load ${result.loadAverage.join(' ')})`,
  );
  return result;
}

async function timed(call: Call, client: OpenAI, cpu: { bare: number; wrapped: number }, side: 'bare' | 'wrapped'): Promise<number> {
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await call(client);
  const elapsed = (performance.now() - startedAt) * 1000;
  const used = process.cpuUsage(cpuBefore);
  cpu[side] += used.user + used.system;
  return elapsed;
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1754006760,
  model: 'gpt-4.1',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Your order ships on Thursday.', refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
  usage: fakeUsage.openaiChat,
});

function streamBody(includeUsage: boolean): string {
  const chunk = (choices: unknown[], usage?: unknown) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1754006760, model: 'gpt-4.1', choices, ...(includeUsage ? { usage: usage ?? null } : {}) })}\n\n`;
  const words = ['Your ', 'order ', 'ships ', 'on ', 'Thursday.'];
  return [
    chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]),
    ...words.map((word) => chunk([{ index: 0, delta: { content: word }, logprobs: null, finish_reason: null }])),
    chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]),
    ...(includeUsage ? [chunk([], fakeUsage.openaiChat)] : []),
    'data: [DONE]\n\n',
  ].join('');
}

const streamBodies = { plain: streamBody(false), withUsage: streamBody(true) };

// The provider's answer without a network: what the fake server would send, from memory.
async function answerAtOnce(_url: string | URL | Request, init?: RequestInit): Promise<Response> {
  const body = JSON.parse(String(init?.body)) as { stream?: boolean; stream_options?: { include_usage?: boolean } };
  if (body.stream !== true) return new Response(completion, { headers: { 'content-type': 'application/json' } });
  const text = body.stream_options?.include_usage === true ? streamBodies.withUsage : streamBodies.plain;
  return new Response(text, { headers: { 'content-type': 'text/event-stream' } });
}

function micro(value: number): string {
  return `${value.toFixed(1)} µs`.padStart(10);
}

function log(text: string): void {
  console.log(`   ${text}`);
}

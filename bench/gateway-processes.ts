import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/*
 * The servers of the gateway benchmark, each in a child process of its own so that none shares an event
 * loop with the load generator or with another: the fake upstream, `unitcost gateway`, and Portkey's
 * open-source gateway as published on npm.
 */

/** A server running in a child process. */
export interface ChildServer {
  /** e.g. http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  pid: number;
  /** The last few kilobytes the child wrote, standard output and error together, for error reports. */
  output(): string;
  /** The CPU time (user + system) the child has used so far, in milliseconds; NaN where /proc is missing. */
  cpuMilliseconds(): number;
  /** Signals the child and resolves once it has exited (a gateway writes its queued events first). */
  stop(): Promise<{ code: number | null }>;
}

const fakeScript = fileURLToPath(new URL('./capture-fake-servers.ts', import.meta.url));
// Preloaded into both gateways: a 1 ms timer and a GC observer (the same small cost to each), read by eventLoopWindow.
const eventLoopProbe = fileURLToPath(new URL('./event-loop-probe.mjs', import.meta.url));
const cliEntry = fileURLToPath(new URL('../src/cli/bin.ts', import.meta.url));
const startTimeoutMs = 30_000;
const stopTimeoutMs = 60_000;
const kept = 16_384;

/** Starts the fake OpenAI upstream (bench/capture-fake-servers.ts, shared with the capture-wrapper bench). */
export async function startFakeUpstream(): Promise<ChildServer> {
  const child = spawn(process.execPath, [...process.execArgv, fakeScript], { stdio: ['ignore', 'pipe', 'pipe'] });
  // It prints one JSON line with its URLs; the events server it also starts is not used here.
  return watch(child, 'the fake upstream', (output) => {
    const line = /^\{.*\}$/m.exec(output)?.[0];
    return line === undefined ? undefined : (JSON.parse(line) as { provider: string }).provider;
  });
}

/**
 * Compiles the project as `npm run build` does (without the dashboard), so that the gateway measured is the
 * shipped JavaScript, as Portkey's is: under tsx every function is wrapped for its name and modules go through
 * its loader, ~5% more CPU a call on the gateway's path.
 */
export function buildShippedCli(): string {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const project = fileURLToPath(new URL('../tsconfig.build.json', import.meta.url));
  const built = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (${built.status ?? built.signal})`);
  return shippedEntry;
}

const shippedEntry = fileURLToPath(new URL('../bin/unitcost.js', import.meta.url));

/** How a server's event loop ran in one window (bench/event-loop-probe.mjs): delays in milliseconds. */
export interface EventLoopFigures {
  p50: number;
  p99: number;
  max: number;
  gcCount: number;
  gcMs: number;
  gcMaxMs: number;
  /** The share of the window the loop was busy, 0 to 1. */
  utilization: number;
}

/**
 * Ends the event-loop window of a server started with the probe (the gateways) and starts the next: its
 * figures since the last call. Only for those servers: a SIGUSR2 to a process without the probe ends it.
 */
export async function eventLoopWindow(server: ChildServer): Promise<EventLoopFigures> {
  const seen = (): number => Math.max(0, ...[...server.output().matchAll(/^event-loop (\d+) /gm)].map((match) => Number(match[1])));
  const next = seen() + 1;
  process.kill(server.pid, 'SIGUSR2');
  for (let waited = 0; waited < 5_000; waited += 10) {
    const line = new RegExp(`^event-loop ${next} (\\{.*\\})$`, 'm').exec(server.output());
    if (line) return JSON.parse(line[1]!) as EventLoopFigures;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no event-loop figures from pid ${server.pid} within 5 s`);
}

/** Starts `unitcost gateway` on a free port, recording into `db`, with the config file at `configFile`; the shipped build once buildShippedCli ran. */
export async function startUnitcostGateway(db: string, configFile: string, options: { shipped?: boolean } = {}): Promise<ChildServer> {
  // warn: a request log line per call would time the terminal pipe, not the gateway.
  const entry = options.shipped ? [shippedEntry] : [...process.execArgv, cliEntry];
  const child = spawn(process.execPath, ['--import', eventLoopProbe, ...entry, 'gateway', '--port', '0', '--db', db, '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UNITCOST_CONFIG: configFile },
  });
  return watch(child, 'unitcost gateway', (output) => /^gateway: (http:\/\/\S+)/m.exec(output)?.[1]);
}

/** Where the installed Portkey gateway is, and its version. */
export function locatePortkey(): { entry: string; version: string } {
  const manifest = createRequire(import.meta.url).resolve('@portkey-ai/gateway/package.json');
  const { version, bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string; bin: string | Record<string, string> };
  const relative = typeof bin === 'string' ? bin : (Object.values(bin)[0] ?? 'build/start-server.js');
  return { entry: join(dirname(manifest), relative), version };
}

/** Starts Portkey's Node server (its package's bin) headless on a free port. */
export async function startPortkeyGateway(entry: string): Promise<ChildServer> {
  // Portkey takes only --port=N and prints localhost:N; it cannot pick a free port itself.
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', eventLoopProbe, entry, `--port=${port}`, '--headless'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return watch(child, 'the Portkey gateway', (output) => (output.includes('Ready for connections') ? `http://127.0.0.1:${port}` : undefined));
}

function watch(child: ChildProcess, name: string, urlOf: (output: string) => string | undefined): Promise<ChildServer> {
  let output = '';
  // Read for the child's whole life: a pipe nobody drains would block its writes, and so its event loop.
  const keep = (chunk: Buffer): void => {
    output = `${output}${chunk.toString()}`;
    if (output.length > kept * 2) output = output.slice(-kept);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null }>((resolve) => child.once('exit', (code) => resolve({ code })));
  return new Promise<ChildServer>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${startTimeoutMs / 1000} s: ${output.slice(-2000)}`));
    }, startTimeoutMs);
    const look = (): void => {
      const url = urlOf(output);
      if (url === undefined) return;
      clearTimeout(timer);
      child.stdout!.off('data', look);
      resolve({
        url,
        pid: child.pid!,
        output: () => output,
        cpuMilliseconds: () => cpuMillisecondsOf(child.pid!),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
          try {
            return await exited;
          } finally {
            clearTimeout(killer);
          }
        },
      });
    };
    child.stdout!.on('data', look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${output.slice(-2000)}`));
    });
  });
}

/** A port free on loopback now; a race with another process taking it is possible but rare. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/*
 * /proc/PID/stat: the parent's pid is field 4; utime and stime are fields 14 and 15, in clock ticks (100 per
 * second on Linux). A process's CPU here includes its live children's: unitcost's gateway writes its store from a
 * child process, whose work is the gateway's cost as much as its serving thread's.
 */
function cpuMillisecondsOf(pid: number): number {
  const own = statFields(pid);
  if (own === undefined) return Number.NaN;
  let ticks = Number(own[11]) + Number(own[12]);
  for (const child of childProcessesOf(pid)) {
    const fields = statFields(child);
    if (fields !== undefined) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10;
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function childProcessesOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    if (fields !== undefined && Number(fields[1]) === pid) children.push(Number(entry));
  }
  return children;
}

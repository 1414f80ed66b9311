import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatewayEvent, storedGatewayRows, tempGatewayDb, writerApp, writerCatalog, writerNow } from '../../testing/gateway-writer-fixtures.js';
import { startProcessStoreDelivery } from './process-store-delivery.js';

const catalog = writerCatalog;
const now = writerNow;
const app = writerApp;

// Each thread of a process, as nice value and scheduling policy (Linux: fields 19 and 41 of /proc/<pid>/task/<tid>/stat).
function threadScheduling(pid: number | 'self'): Array<{ nice: number; policy: number }> {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const after = fields.slice(fields.lastIndexOf(')') + 2).split(' ');
    return { nice: Number(after[16]), policy: Number(after[38]) };
  });
}
const schedOther = 0;
const schedIdle = 5;
// Whether this machine lets a process take SCHED_IDLE through util-linux's chrt (a sandbox may refuse the call).
const idlePolicyAvailable = spawnSync('chrt', ['--idle', '0', 'true'], { stdio: 'ignore' }).status === 0;

describe('the gateway store writer in a process of its own', () => {
  it.runIf(existsSync('/proc/self/task'))('runs every thread of the writer only on idle cores, DuckDB’s included, and leaves the gateway’s as they were', async () => {
    const writer = await startProcessStoreDelivery(tempGatewayDb(), catalog, { now, onProblem: () => {} });
    try {
      // A commit runs DuckDB's statements on libuv's pool, whose threads start with the first statement: after one, they exist.
      await writer.deliver([gatewayEvent('gw_1')]);
      const writerThreads = threadScheduling(writer.pid);
      expect(writerThreads.length).toBeGreaterThan(4);
      // SCHED_IDLE where the system allows it; else nice 19 alone, and the writer says which it got.
      expect(writer.scheduled).toBe(idlePolicyAvailable ? 'idle' : 'lowest');
      const expectedPolicy = idlePolicyAvailable ? schedIdle : schedOther;
      expect(writerThreads.filter((thread) => thread.policy !== expectedPolicy || thread.nice !== 19)).toEqual([]);
      expect(threadScheduling('self').filter((thread) => thread.policy !== schedOther || thread.nice !== 0)).toEqual([]);
    } finally {
      await writer.close();
    }
  });

  it.runIf(existsSync('/proc/self/task'))('runs as any other process when started at normal priority', async () => {
    const writer = await startProcessStoreDelivery(tempGatewayDb(), catalog, { now, onProblem: () => {}, priority: 'normal' });
    try {
      await writer.deliver([gatewayEvent('gw_1')]);
      expect(writer.scheduled).toBe('normal');
      expect(threadScheduling(writer.pid).filter((thread) => thread.policy !== schedOther || thread.nice !== 0)).toEqual([]);
    } finally {
      await writer.close();
    }
  });

  it('commits what it was sent and releases the store file when the gateway dies without closing', async () => {
    const db = tempGatewayDb();
    // A gateway of its own (a Node process under tsx) that sends one batch, then is killed before it can close.
    const script = `
      const { startProcessStoreDelivery } = await import(${JSON.stringify(new URL('./process-store-delivery.ts', import.meta.url).href)});
      const { createApp } = await import(${JSON.stringify(new URL('../create-app.ts', import.meta.url).href)});
      const app = createApp({ directory: ${JSON.stringify(tmpdir())}, environment: {} });
      const catalog = { providers: app.priceData.providers, overrides: { models: app.config.models, discounts: app.config.discounts, prices: app.config.prices } };
      const writer = await startProcessStoreDelivery(process.env.DB, catalog, { now: () => ${now()}, onProblem: () => {} });
      const outcome = await writer.deliver([{ id: 'gw_before_kill', timestamp: '2026-03-02T14:05:11Z', model: 'gpt-4.1', provider: 'openai', input_tokens: 10, output_tokens: 2 }]);
      process.stdout.write(JSON.stringify({ outcome, writer: writer.pid }) + '\\n');
      setInterval(() => {}, 1000);`;
    const gateway = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, DB: db }, stdio: ['ignore', 'pipe', 'inherit'] });
    const said = await new Promise<{ outcome: unknown; writer: number }>((resolve, reject) => {
      let out = '';
      gateway.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      gateway.once('exit', (code) => reject(new Error(`the gateway script exited (${code}) before its delivery: ${out}`)));
    });
    expect(said.outcome).toEqual({ delivered: true });
    gateway.kill('SIGKILL');
    // The writer notices its gateway is gone, closes the store and exits: nothing keeps the file locked.
    await expect.poll(() => processExists(said.writer), { timeout: 20_000, interval: 100 }).toBe(false);
    expect((await storedGatewayRows(db)).map((row) => row.id)).toEqual(['gw_before_kill']);
  }, 60_000);

  it('outlives a Ctrl-C sent to the whole process group, so the gateway can still hand over what it holds', async () => {
    const db = tempGatewayDb();
    const writer = await startProcessStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await writer.deliver([gatewayEvent('gw_1')]);
    // What a terminal does on Ctrl-C: every process of the foreground group gets the signal, the writer too.
    process.kill(writer.pid, 'SIGINT');
    process.kill(writer.pid, 'SIGTERM');
    // The gateway's own shutdown then delivers its last events and closes the writer.
    expect(await writer.deliver([gatewayEvent('gw_2')])).toEqual({ delivered: true });
    await writer.close();
    expect((await storedGatewayRows(db)).map((row) => row.id)).toEqual(['gw_1', 'gw_2']);
  });

  it('stores each delivered event once, priced as the main thread prices it, and answers only after its commit', async () => {
    const db = tempGatewayDb();
    const problems: string[] = [];
    const writer = await startProcessStoreDelivery(db, catalog, { now, onProblem: (message) => problems.push(message) });
    const first = await writer.deliver([gatewayEvent('gw_1'), gatewayEvent('gw_2')]);
    // The same id again is a duplicate of the committed call, not a second one: a retried batch stays one call each.
    const again = await writer.deliver([gatewayEvent('gw_2'), gatewayEvent('gw_3', { feature: 'search' })]);
    await writer.close();
    expect(first).toEqual({ delivered: true });
    expect(again).toEqual({ delivered: true });
    expect(problems).toEqual([]);
    const rows = await storedGatewayRows(db);
    expect(rows.map((row) => [row.id, row.feature, row.source])).toEqual([
      ['gw_1', 'support', 'gateway'],
      ['gw_2', 'support', 'gateway'],
      ['gw_3', 'search', 'gateway'],
    ]);
    const parsed = await import('../../core/events/parse-event-record.js').then(({ parseEventRecord }) => parseEventRecord(gatewayEvent('gw_1'), { nowMs: now() }));
    const { priceUsageEvent } = await import('../../core/events/to-stored-row.js');
    const pricing = parsed.ok && parsed.record.type === 'usage' ? priceUsageEvent(parsed.record, app.catalog) : undefined;
    expect(pricing?.ok && pricing.cost !== null).toBe(true);
    expect(Number(rows[0]!.cost_total)).toBe(pricing?.ok ? pricing.cost?.total : undefined);
  });

  it('tells the records the store refuses, without their content, and counts the batch delivered', async () => {
    const db = tempGatewayDb();
    const problems: string[] = [];
    const writer = await startProcessStoreDelivery(db, catalog, { now, onProblem: (message) => problems.push(message) });
    const outcome = await writer.deliver([gatewayEvent('gw_ok'), gatewayEvent('gw_bad', { input_tokens: -5 })]);
    await writer.close();
    expect(outcome).toEqual({ delivered: true });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/the store refused 1 of 2 gateway events: input_tokens/);
    expect((await storedGatewayRows(db)).map((row) => row.id)).toEqual(['gw_ok']);
  });

  it('releases the store file on close, so that another process (or the next gateway) can open it', async () => {
    const db = tempGatewayDb();
    const writer = await startProcessStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await writer.deliver([gatewayEvent('gw_1')]);
    await writer.close();
    const reopened = await startProcessStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await reopened.deliver([gatewayEvent('gw_2')]);
    await reopened.close();
    expect((await storedGatewayRows(db)).map((row) => row.id)).toEqual(['gw_1', 'gw_2']);
  });

  it('fails to start, with the store’s reason, when the file cannot be opened', async () => {
    const db = join(tempGatewayDb(), 'not-a-directory', 'gateway.duckdb');
    await expect(startProcessStoreDelivery(db, catalog, { now, onProblem: () => {} })).rejects.toThrow(/cannot open the DuckDB store at .*not-a-directory/);
  });

  it('answers a delivery after the writer has gone as not delivered, instead of leaving it waiting', async () => {
    const db = tempGatewayDb();
    const writer = await startProcessStoreDelivery(db, catalog, { now, onProblem: () => {} });
    await writer.close();
    const outcome = await writer.deliver([gatewayEvent('gw_late')]);
    expect(outcome).toMatchObject({ delivered: false, retryable: false });
    expect(await storedGatewayRows(db)).toEqual([]);
  });
});

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

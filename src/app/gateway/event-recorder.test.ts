import { describe, expect, it } from 'vitest';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { EventRecorder, type DeliveryOutcome } from './event-recorder.js';

const event = (id: string): GatewayUsageEvent => ({ id, timestamp: '2026-03-02T14:05:11Z', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2 });

function recorderWith(outcomes: DeliveryOutcome[], options: { batchSize?: number; flushAfterMs?: number } = {}) {
  const batches: string[][] = [];
  const problems: string[] = [];
  const recorder = new EventRecorder(
    async (events) => {
      batches.push(events.map((recorded) => String(recorded.id)));
      return outcomes.shift() ?? { delivered: true };
    },
    { retryBaseMs: 1, ...options, onProblem: (message) => problems.push(message) },
  );
  return { recorder, batches, problems };
}

describe('EventRecorder', () => {
  it('returns at once and delivers the events queued before a flush in one batch', async () => {
    const { recorder, batches } = recorderWith([]);
    recorder.record(event('a'));
    recorder.record(event('b'));
    expect(batches).toEqual([]);
    await recorder.flush();
    expect(batches).toEqual([['a', 'b']]);
    expect(recorder.counters()).toEqual({ recorded: 2, delivered: 2, retries: 0, dropped: 0, queued: 0 });
  });

  it('waits flushAfterMs after the first queued event, so that the events of that time go in one delivery', async () => {
    const { recorder, batches } = recorderWith([], { flushAfterMs: 200 });
    recorder.record(event('a'));
    await sleep(20);
    recorder.record(event('b'));
    await sleep(10);
    expect(batches).toEqual([]);
    await sleep(300);
    expect(batches).toEqual([['a', 'b']]);
    expect(recorder.counters()).toMatchObject({ delivered: 2, queued: 0 });
  });

  it('delivers a full batch at once, and the rest when its time comes', async () => {
    const { recorder, batches } = recorderWith([], { batchSize: 2, flushAfterMs: 60_000 });
    for (const id of ['a', 'b', 'c']) recorder.record(event(id));
    expect(batches).toEqual([['a', 'b']]);
    await recorder.flush();
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('keeps one delivery in flight, and sends what gathered meanwhile after it', async () => {
    const batches: string[][] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    let release: () => void = () => {};
    const recorder = new EventRecorder(
      async (events) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        batches.push(events.map((recorded) => String(recorded.id)));
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
        inFlight -= 1;
        return { delivered: true };
      },
      { batchSize: 2, flushAfterMs: 0, onProblem: () => {} },
    );
    for (const id of ['a', 'b', 'c', 'd', 'e']) recorder.record(event(id));
    await sleep(5);
    expect(batches).toEqual([['a', 'b']]);
    release();
    await recorder.flush();
    expect(batches).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(mostInFlight).toBe(1);
  });

  it('delivers on close without waiting for the timer', async () => {
    const { recorder, batches } = recorderWith([], { flushAfterMs: 60_000 });
    recorder.record(event('a'));
    const started = performance.now();
    await recorder.close();
    expect(batches).toEqual([['a']]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('sends a batch again after a failure worth retrying', async () => {
    const { recorder, batches } = recorderWith([{ delivered: false, retryable: true, reason: 'HTTP 503' }]);
    recorder.record(event('a'));
    await recorder.flush();
    expect(batches).toEqual([['a'], ['a']]);
    expect(recorder.counters()).toMatchObject({ delivered: 1, retries: 1 });
  });

  it('gives up on a batch refused for good, and says so', async () => {
    const { recorder, problems } = recorderWith([{ delivered: false, retryable: false, reason: 'HTTP 401' }]);
    recorder.record(event('a'));
    await recorder.flush();
    expect(recorder.counters()).toMatchObject({ delivered: 0, dropped: 1 });
    expect(problems).toEqual(['1 events were not recorded after 1 attempt(s): HTTP 401']);
  });

  it('treats a delivery that throws as a failure worth retrying', async () => {
    let calls = 0;
    const recorder = new EventRecorder(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('database is locked');
        return { delivered: true };
      },
      { retryBaseMs: 1, onProblem: () => {} },
    );
    recorder.record(event('a'));
    await recorder.flush();
    expect(recorder.counters()).toMatchObject({ delivered: 1, retries: 1 });
  });

  it('delivers what is queued on close, and refuses events after it', async () => {
    const { recorder, batches, problems } = recorderWith([]);
    recorder.record(event('a'));
    await recorder.close();
    expect(batches).toEqual([['a']]);
    recorder.record(event('b'));
    expect(problems).toEqual(['an event was recorded after the recorder closed and is lost (gpt-4.1)']);
  });

  it('drops the oldest events once the queue is full', async () => {
    const problems: string[] = [];
    const delivered: string[] = [];
    const recorder = new EventRecorder(
      async (events) => {
        delivered.push(...events.map((recorded) => String(recorded.id)));
        return { delivered: true };
      },
      { maxQueue: 2, onProblem: (message) => problems.push(message) },
    );
    for (const id of ['a', 'b', 'c']) recorder.record(event(id));
    await recorder.flush();
    expect(delivered).toEqual(['b', 'c']);
    expect(problems).toHaveLength(1);
  });
});

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

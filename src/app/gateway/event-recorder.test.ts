import { describe, expect, it } from 'vitest';
import type { GatewayUsageEvent } from '../../core/gateway/gateway-event.js';
import { EventRecorder, type DeliveryOutcome } from './event-recorder.js';

const event = (id: string): GatewayUsageEvent => ({ id, timestamp: '2026-03-02T14:05:11Z', model: 'gpt-4.1', input_tokens: 10, output_tokens: 2 });

function recorderWith(outcomes: DeliveryOutcome[]) {
  const batches: string[][] = [];
  const problems: string[] = [];
  const recorder = new EventRecorder(
    async (events) => {
      batches.push(events.map((recorded) => String(recorded.id)));
      return outcomes.shift() ?? { delivered: true };
    },
    { retryBaseMs: 1, onProblem: (message) => problems.push(message) },
  );
  return { recorder, batches, problems };
}

describe('EventRecorder', () => {
  it('returns at once and delivers the events of one tick in one batch', async () => {
    const { recorder, batches } = recorderWith([]);
    recorder.record(event('a'));
    recorder.record(event('b'));
    expect(batches).toEqual([]);
    await recorder.flush();
    expect(batches).toEqual([['a', 'b']]);
    expect(recorder.counters()).toEqual({ recorded: 2, delivered: 2, retries: 0, dropped: 0, queued: 0 });
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

import { describe, expect, it } from 'vitest';
import { AlertEvaluationScheduler } from './alert-evaluation-scheduler.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('AlertEvaluationScheduler', () => {
  it('evaluates once after a burst of writes has been quiet, not once per write, and never while a write is in progress', async () => {
    let runs = 0;
    const scheduler = new AlertEvaluationScheduler(async () => void (runs += 1), { quietMs: 40, minIntervalMs: 0 });
    for (let write = 0; write < 5; write += 1) {
      scheduler.beginWrite();
      await sleep(10);
      scheduler.endWrite(true);
    }
    scheduler.beginWrite();
    await sleep(80);
    expect(runs).toBe(0);
    scheduler.endWrite(false);
    await sleep(80);
    expect(runs).toBe(1);
    await scheduler.stop();
  });

  it('does not evaluate after writes that stored nothing', async () => {
    let runs = 0;
    const scheduler = new AlertEvaluationScheduler(async () => void (runs += 1), { quietMs: 10, minIntervalMs: 0 });
    scheduler.beginWrite();
    scheduler.endWrite(false);
    await sleep(40);
    expect(runs).toBe(0);
    await scheduler.stop();
  });

  it('evaluates at most once per interval, and catches up on the data that came meanwhile', async () => {
    const started: number[] = [];
    const scheduler = new AlertEvaluationScheduler(async () => void started.push(performance.now()), { quietMs: 5, minIntervalMs: 150 });
    scheduler.request();
    await sleep(30);
    for (let write = 0; write < 3; write += 1) {
      scheduler.beginWrite();
      scheduler.endWrite(true);
      await sleep(20);
    }
    expect(started).toHaveLength(1);
    await sleep(200);
    expect(started).toHaveLength(2);
    expect(started[1]! - started[0]!).toBeGreaterThanOrEqual(145);
    expect(scheduler.completed).toBe(2);
    await scheduler.stop();
  });

  it('reports a failed evaluation and evaluates again on the next data', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const scheduler = new AlertEvaluationScheduler(
      async () => {
        runs += 1;
        if (runs === 1) throw new Error('store busy');
      },
      { quietMs: 5, minIntervalMs: 0, onError: (error) => errors.push(error) },
    );
    scheduler.request();
    await sleep(30);
    scheduler.beginWrite();
    scheduler.endWrite(true);
    await sleep(30);
    expect([runs, errors.length, scheduler.completed]).toEqual([2, 1, 1]);
    await scheduler.stop();
  });
});

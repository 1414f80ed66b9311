import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerReadWarmer } from './server-read-warmer.js';

describe('ServerReadWarmer', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('warms up once after a burst of batches, when writes have been quiet for its delay', async () => {
    vi.useFakeTimers();
    const warm = vi.fn(async () => {});
    const warmer = new ServerReadWarmer(warm, 300);
    warmer.schedule();
    await vi.advanceTimersByTimeAsync(200);
    warmer.schedule();
    await vi.advanceTimersByTimeAsync(200);
    warmer.schedule();
    expect(warm).not.toHaveBeenCalled();
    expect(warmer.pending).toBe(true);
    await vi.advanceTimersByTimeAsync(300);
    expect(warm).toHaveBeenCalledTimes(1);
    expect(warmer.completed).toBe(1);
    expect(warmer.pending).toBe(false);
  });

  it('runs one warm-up at a time, and counts none when it fails (the next read runs the same work)', async () => {
    vi.useFakeTimers();
    let finish: () => void = () => {};
    const warm = vi.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const warmer = new ServerReadWarmer(warm, 10);
    warmer.schedule();
    await vi.advanceTimersByTimeAsync(10);
    warmer.schedule();
    await vi.advanceTimersByTimeAsync(10);
    // The second waits for the first to finish.
    expect(warm).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(warm).toHaveBeenCalledTimes(2);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(warmer.completed).toBe(2);

    const failing = new ServerReadWarmer(async () => {
      throw new Error('store closed');
    }, 10);
    failing.schedule();
    await vi.advanceTimersByTimeAsync(10);
    expect(failing.completed).toBe(0);
    expect(failing.pending).toBe(false);
  });

  it('waits while a write is in progress, however long it takes, then warms up once writes have been quiet', async () => {
    vi.useFakeTimers();
    const warm = vi.fn(async () => {});
    const warmer = new ServerReadWarmer(warm, 300);
    warmer.beginWrite();
    warmer.endWrite(true);
    // The next export is being decoded when the quiet delay would have run out.
    await vi.advanceTimersByTimeAsync(200);
    warmer.beginWrite();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warm).not.toHaveBeenCalled();
    expect(warmer.pending).toBe(true);
    warmer.endWrite(false);
    await vi.advanceTimersByTimeAsync(299);
    expect(warm).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(warm).toHaveBeenCalledTimes(1);
  });

  it('does not warm up after writes that stored nothing new', async () => {
    vi.useFakeTimers();
    const warm = vi.fn(async () => {});
    const warmer = new ServerReadWarmer(warm, 100);
    warmer.beginWrite();
    warmer.endWrite(false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warm).not.toHaveBeenCalled();
    expect(warmer.pending).toBe(false);
  });

  it('cancels a waiting warm-up when stopped, and schedules none after', async () => {
    vi.useFakeTimers();
    const warm = vi.fn(async () => {});
    const warmer = new ServerReadWarmer(warm, 100);
    warmer.schedule();
    await warmer.stop();
    warmer.schedule();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(warm).not.toHaveBeenCalled();
  });
});

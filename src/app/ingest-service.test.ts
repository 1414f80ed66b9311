import { describe, expect, it } from 'vitest';
import { convertsOnWorker } from './ingest-service.js';

const large = 50 * 2 ** 20;
const small = 2 ** 20;

describe('where ingest converts lines', () => {
  it('uses the worker by default for a large input when the store takes encoded rows, and not otherwise', () => {
    expect(convertsOnWorker(undefined, true, large, true)).toBe(true);
    expect(convertsOnWorker(undefined, true, undefined, true)).toBe(true);
    expect(convertsOnWorker(undefined, false, large, true)).toBe(false);
    expect(convertsOnWorker(undefined, true, small, true)).toBe(false);
  });

  it('follows --worker and --no-worker, where a worker can start', () => {
    expect(convertsOnWorker(false, true, large, true)).toBe(false);
    expect(convertsOnWorker(true, false, large, true)).toBe(true);
    expect(convertsOnWorker(true, true, large, false)).toBe(false);
  });
});

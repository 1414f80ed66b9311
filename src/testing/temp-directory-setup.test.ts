import { tmpdir } from 'node:os';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('the test run temp directory', () => {
  it('points os.tmpdir() at a directory of this run, which the global setup removes at the end', () => {
    expect(basename(tmpdir())).toMatch(/^unitcost-tests-/);
  });
});

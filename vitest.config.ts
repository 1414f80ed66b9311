import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'bench/**/*.test.ts'],
    // One temp directory per run, removed at its end: what tests leave under os.tmpdir() goes with it.
    globalSetup: ['src/testing/temp-directory-setup.ts'],
    testTimeout: 30_000,
    // Browser and server tests wait on work that a loaded 2-core CI machine finishes late; one second
    // (vitest's default) made the dashboard test fail on CI while the page was still drawing its charts.
    // A test that asserts nothing proves nothing: fail it.
    expect: { poll: { timeout: 15_000 }, requireAssertions: true },
  },
});

import type { CliIo } from './cli-context.js';

/** An in-memory CliIo, so tests can run commands in-process and read what they printed. */
export function captureIo(isTty = false): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTty,
    out: () => stdout,
    err: () => stderr,
  };
}

import type { App } from '../app/create-app.js';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stdout is a terminal, for colour and progress. */
  isTty: boolean;
}

/** What every command receives: the wired app (built on first use) and its output streams. */
export interface CliContext {
  app: () => App;
  io: CliIo;
  /**
   * Makes the command end with this exit code though it finished and printed its output (an ingest that
   * refused lines). Optional so a test may build a context by hand; runCli always provides it.
   */
  setExitCode?: (code: number) => void;
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every test run gets one temp directory of its own, removed when the run ends.
 *
 * Tests make their stores, configs and JSONL files under `os.tmpdir()`; not every test removes what it made
 * (a harness restarted on an earlier one's directory, a server killed mid-test), and runs on a developer's
 * machine left thousands of directories behind. Pointing TMPDIR at a per-run directory before the test
 * processes start makes the whole run's leftovers one directory, removed here, without each test having to
 * be right about it. Set UNITCOST_KEEP_TEST_TMP=1 to keep it for a post-mortem.
 */
export default function setup(): () => void {
  const runDirectory = mkdtempSync(join(tmpdir(), 'unitcost-tests-'));
  process.env.TMPDIR = runDirectory;
  return () => {
    if (process.env.UNITCOST_KEEP_TEST_TMP === '1') {
      process.stderr.write(`test temp files kept in ${runDirectory}\n`);
      return;
    }
    rmSync(runDirectory, { recursive: true, force: true });
  };
}

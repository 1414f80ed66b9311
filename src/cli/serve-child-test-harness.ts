import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts `unitcost serve` on the store `db` in a child process, as `npm start` would (DuckDB's lock is per
 * process, so a server in the test's own process would not lock other commands out), and resolves with the
 * child and its URL once it says where it serves.
 */
export async function startServeChild(db: string, options: { cwd: string; config?: string; arguments?: string[] }): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./bin.ts', import.meta.url)), 'serve', '--port', '0', '--db', db, '--log-level', 'silent', ...(options.arguments ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, UNITCOST_CONFIG: options.config ?? '', UNITCOST_DB: '' },
    cwd: options.cwd,
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const found = /dashboard: (http:\/\/[^/\s]+)\//.exec(output)?.[1];
      if (found) resolve(found);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', () => reject(new Error(`unitcost serve exited: ${output}`)));
  });
  return { child, url };
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Where a running `unitcost serve` says it serves a store. DuckDB locks the store file against every other
 * process, read-only opens included, so a command that meets the lock reads this file beside the store to
 * find the server that holds it, and asks it instead (reads) or says how to reach it (writes).
 */
export interface ServerDiscovery {
  /** The server's base URL, e.g. http://127.0.0.1:8787. */
  url: string;
  pid: number;
  /** ISO timestamp of the server's start. */
  startedAt: string;
}

/** The discovery file of a store: beside it, named after it. */
export function serverDiscoveryPath(storePath: string): string {
  return `${storePath}.server.json`;
}

/**
 * Records that this process serves the store at `url`; the returned function removes the record on a
 * clean shutdown (only while it is still this process's: a later server may have replaced it).
 */
export function writeServerDiscovery(storePath: string, server: { url: string; pid?: number; startedAt: Date }): () => void {
  const record: ServerDiscovery = { url: server.url, pid: server.pid ?? process.pid, startedAt: server.startedAt.toISOString() };
  const path = serverDiscoveryPath(storePath);
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return () => {
    if (readDiscoveryFile(path)?.pid === record.pid) rmSync(path, { force: true });
  };
}

/**
 * The server serving the store, or null when no discovery file exists, it cannot be read, or its process
 * is gone (a server killed without its clean shutdown leaves a stale file behind, which is ignored).
 */
export function readServerDiscovery(storePath: string, isAlive: (pid: number) => boolean = processIsAlive): ServerDiscovery | null {
  const record = readDiscoveryFile(serverDiscoveryPath(storePath));
  return record !== null && isAlive(record.pid) ? record : null;
}

function readDiscoveryFile(path: string): ServerDiscovery | null {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { url, pid, startedAt } = value as Record<string, unknown>;
  if (typeof url !== 'string' || !Number.isInteger(pid) || typeof startedAt !== 'string') return null;
  return { url, pid: pid as number, startedAt };
}

// Signal 0 checks that a process exists without touching it; EPERM means it exists under another user.
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

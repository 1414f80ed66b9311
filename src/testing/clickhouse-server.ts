import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickhouseSettings } from '../store/clickhouse/clickhouse-connection.js';

/*
 * A real ClickHouse server for tests: Debian's clickhouse-server (18.16, installed by .ci/run), started on
 * free loopback ports with a temporary data directory, and stopped and wiped afterwards. Tests use
 * databases of their own on it, so one server serves a whole test file.
 */

/** Where the binary is: UNITCOST_CLICKHOUSE_SERVER, or Debian's path, or the PATH. */
function serverBinary(): string {
  const configured = process.env.UNITCOST_CLICKHOUSE_SERVER;
  if (configured) return configured;
  return existsSync('/usr/sbin/clickhouse-server') ? '/usr/sbin/clickhouse-server' : 'clickhouse-server';
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export interface ClickhouseTestServer {
  /** The HTTP address, e.g. http://127.0.0.1:41234. */
  readonly url: string;
  /** The store settings of one database on it, as the default user (created on first open). */
  settings(database: string): ClickhouseSettings;
  stop(): Promise<void>;
}

/** The server's configuration: loopback only, the default user without a password, logs and data in `directory`. */
function configXml(directory: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${directory}/server.log</log><errorlog>${directory}/server.err.log</errorlog></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${directory}/data/</path>
  <tmp_path>${directory}/tmp/</tmp_path>
  <user_files_path>${directory}/user_files/</user_files_path>
  <format_schema_path>${directory}/format_schemas/</format_schema_path>
  <timezone>UTC</timezone>
  <mark_cache_size>67108864</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <reader><password>reader-secret</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></reader>
  </users>
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <quotas><default></default></quotas>
</yandex>
`;
}

async function waitUntilReady(url: string, child: ChildProcess, directory: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const errors = await readFile(join(directory, 'server.err.log'), 'utf8').catch(() => '');
      throw new Error(`clickhouse-server exited with code ${child.exitCode} before answering:\n${errors.slice(-2000)}`);
    }
    try {
      const answer = await fetch(`${url}/ping`);
      if (answer.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`clickhouse-server did not answer ${url}/ping within 60 s`);
}

/**
 * Starts a ClickHouse server for a test file. Throws, naming what to install, when the binary is missing:
 * the ClickHouse tests are part of the suite (CI installs the server), so they fail rather than skip.
 */
export async function startClickhouseServer(): Promise<ClickhouseTestServer> {
  const binary = serverBinary();
  if (binary.includes('/') && !existsSync(binary)) {
    throw new Error(`no ClickHouse server at ${binary}: install Debian's (apt-get install clickhouse-server) or set UNITCOST_CLICKHOUSE_SERVER to its path`);
  }
  const directory = await mkdtemp(join(tmpdir(), 'unitcost-clickhouse-'));
  const [httpPort, tcpPort] = [await freePort(), await freePort()];
  await writeFile(join(directory, 'config.xml'), configXml(directory, httpPort, tcpPort));
  const child = spawn(binary, [`--config-file=${join(directory, 'config.xml')}`], { stdio: 'ignore' });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`could not start ${binary}: ${error.message}; install Debian's clickhouse-server or set UNITCOST_CLICKHOUSE_SERVER`)));
  });
  await spawned;
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    await waitUntilReady(url, child, directory);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    settings: (database) => ({
      url,
      database,
      username: 'default',
      password: '',
      origin: { url: 'store.clickhouse.url', username: 'UNITCOST_CLICKHOUSE_USER', password: 'UNITCOST_CLICKHOUSE_PASSWORD' },
    }),
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(killer);
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

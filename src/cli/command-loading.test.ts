import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureIo } from './capture-io.js';
import type { CliContext } from './cli-context.js';
import { buildProgram, runCli } from './main.js';

// A command loads only its own module; help and a mistyped name need every command (main.ts, commandModules).
const context = (): CliContext => ({
  app: () => {
    throw new Error('no app is built to register commands');
  },
  io: captureIo(),
});
const registered = async (...words: string[]): Promise<string[]> => (await buildProgram(context(), ['node', 'unitcost', ...words])).commands.map((command) => command.name());

describe('which commands the CLI loads', () => {
  it('registers only the command the arguments name', async () => {
    expect(await registered('simulate', '--scenario', 'what-if.yaml', '--json')).toEqual(['simulate']);
    expect(await registered('--config', 'simulate', 'report', '--by', 'feature')).toEqual(['report']);
    expect(await registered('--config=unitcost.yaml', 'catalog', 'update')).toEqual(['catalog']);
  });

  it('registers every command for help and for a name no command has, in the order help lists them', async () => {
    const all = await registered('--help');
    expect(all.length).toBeGreaterThan(20);
    expect(all.slice(0, 3)).toEqual(['models', 'estimate', 'start']);
    expect(await registered('help', 'simulate')).toEqual(all);
    expect(await registered('simulat')).toEqual(all);
  });

  it('still suggests the command a typo meant', async () => {
    const io = captureIo();
    expect(await runCli(['node', 'unitcost', 'simulat'], io)).toBe(2);
    expect(io.err()).toContain('simulate');
  });

  it('loads no ClickHouse client for simulate on a DuckDB store, until a ClickHouse store is opened', () => {
    // A child process: this one may have loaded the client for another test. @clickhouse/client is CommonJS, so
    // once loaded it is in require's cache; the ClickHouse store's module, imported after, proves the probe sees it.
    const script = `
      import { createRequire } from 'node:module';
      const loaded = () => Object.keys(createRequire(process.cwd() + '/').cache).some((file) => file.includes('@clickhouse/client'));
      const { buildProgram } = await import(${JSON.stringify(import.meta.resolve('./main.ts'))});
      const io = { stdout: () => {}, stderr: () => {}, isTty: false };
      await buildProgram({ app: () => { throw new Error('no app'); }, io }, ['node', 'unitcost', 'simulate', '--scenario', 'what-if.yaml']);
      const before = loaded();
      await import(${JSON.stringify(import.meta.resolve('../store/clickhouse/clickhouse-store.ts'))});
      process.stdout.write(JSON.stringify({ before, after: loaded() }));`;
    const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({ before: false, after: true });
  });
});

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
});

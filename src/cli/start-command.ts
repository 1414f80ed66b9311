import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { runEstimate } from './estimate-command.js';

// Two folders up from src/cli or dist/cli is the package root, where the examples ship.
const workedExample = fileURLToPath(new URL('../../examples/support-assistant.yaml', import.meta.url));

/** Registers `unitcost start`, the main job of `npm start`: for now a worked estimate, until the dashboard lands. */
export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description('the main job of `npm start`: a worked cost estimate of a support assistant (the dashboard will replace it)')
    .option('--json', 'print JSON for scripts')
    .action((options: { json?: boolean }) => {
      if (!options.json) {
        context.io.stdout(
          `unitcost — what an LLM feature costs per call, per session and per user.\n` +
            `Worked example: ${workedExample}\n` +
            `Try your own: unitcost estimate --model claude-opus-4-7 --input 2000 --output 800 --calls 20 --sessions-per-month 20 --arpu 30\n\n`,
        );
      }
      runEstimate({ scenario: workedExample, ...(options.json ? { json: true } : {}) }, context);
    });
}

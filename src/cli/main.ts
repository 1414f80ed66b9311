import { Command, CommanderError } from 'commander';
import { createApp, type App } from '../app/create-app.js';
import type { CliContext, CliIo } from './cli-context.js';
import { UnitcostError } from '../core/unitcost-error.js';
export type { CliContext, CliIo } from './cli-context.js';
import { registerModelsCommand } from './models-command.js';
import { registerEstimateCommand } from './estimate-command.js';
import { registerStartCommand } from './start-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerKeysCommand } from './keys-command.js';
import { registerIngestCommand } from './ingest-command.js';
import { registerImportCommand } from './import-command.js';
import { registerRepriceCommand } from './reprice-command.js';
import { registerDemoCommand } from './demo-command.js';
import { registerReportCommand } from './report-command.js';
import { registerKpisCommand } from './kpis-command.js';
import { registerSimulateCommand } from './simulate-command.js';
import { registerOptimizeCommand } from './optimize-command.js';
import { registerPlansCommand } from './plans-command.js';
import { registerGatewayCommand } from './gateway-command.js';
import { registerBudgetsCommand } from './budgets-command.js';
import { registerAlertsCommand } from './alerts-command.js';
import { registerPushCommand } from './push-command.js';
import { registerReconcileCommand } from './reconcile-command.js';
import { registerCatalogCommand } from './catalog-command.js';
import { registerExportCommand } from './export-command.js';
import { registerStatementCommand } from './statement-command.js';
import { registerStoreCommand } from './store-command.js';

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};

/** Builds the command tree; exported so tests can run commands in-process. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('unitcost')
    .description('LLM unit economics: what each AI feature costs per call, per task and per user, and what would fix its margin.')
    .option('--config <file>', 'configuration file (default: ./unitcost.config.json or .yaml, or $UNITCOST_CONFIG)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: context.io.stdout, writeErr: context.io.stderr })
    .exitOverride();
  registerModelsCommand(program, context);
  registerEstimateCommand(program, context);
  registerStartCommand(program, context);
  registerServeCommand(program, context);
  registerKeysCommand(program, context);
  registerIngestCommand(program, context);
  registerImportCommand(program, context);
  registerRepriceCommand(program, context);
  registerDemoCommand(program, context);
  registerReportCommand(program, context);
  registerKpisCommand(program, context);
  registerSimulateCommand(program, context);
  registerOptimizeCommand(program, context);
  registerPlansCommand(program, context);
  registerGatewayCommand(program, context);
  registerBudgetsCommand(program, context);
  registerAlertsCommand(program, context);
  registerPushCommand(program, context);
  registerReconcileCommand(program, context);
  registerCatalogCommand(program, context);
  registerExportCommand(program, context);
  registerStatementCommand(program, context);
  registerStoreCommand(program, context);
  return program;
}

/**
 * Runs the CLI and returns its exit code: 0 done, 1 unexpected failure or more lines refused than
 * --max-rejects allows, 2 bad input or unknown model.
 */
export async function runCli(argv: string[], io: CliIo = processIo, appOptions: Parameters<typeof createApp>[0] = {}): Promise<number> {
  let app: App | undefined;
  let program: Command | undefined;
  let exitCode = 0;
  const context: CliContext = {
    app: () => {
      app ??= createApp({ ...appOptions, ...(program?.opts().config ? { configPath: program.opts().config as string } : {}) });
      return app;
    },
    io,
    setExitCode: (code) => {
      exitCode = code;
    },
  };
  program = buildProgram(context);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return exitCodeFor(error, io);
  }
}

function exitCodeFor(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Commander already printed its message; help and version are successes.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (UnitcostError.isInstance(error)) {
    io.stderr(`unitcost: ${error.message}\n`);
    if (error.details.suggestions?.length) io.stderr(`did you mean: ${error.details.suggestions.join(', ')}?\n`);
    return error.code === 'internal' ? 1 : 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(`unitcost: unexpected error: ${message}\n`);
  if (process.env.UNITCOST_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  else io.stderr('(set UNITCOST_DEBUG=1 to see where it happened, and please report it)\n');
  return 1;
}

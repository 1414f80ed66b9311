import { Command, CommanderError } from 'commander';
import { createApp, type App } from '../app/create-app.js';
import type { CliContext, CliIo } from './cli-context.js';
import { UnitcostError } from '../core/unitcost-error.js';
export type { CliContext, CliIo } from './cli-context.js';

type Registrar = (program: Command, context: CliContext) => void;

// Each command's module by the name it registers, in the order help lists them. A command loads only its own
// module: loading every one (the server, the gateway, the OTLP decoder, the SDKs…) took ~0.5–0.8 s of each
// command's start, a twentieth of `unitcost simulate` at 10M calls (BENCHMARKS.md, "Simulate").
const commandModules: Array<[string, () => Promise<Registrar>]> = [
  ['models', async () => (await import('./models-command.js')).registerModelsCommand],
  ['estimate', async () => (await import('./estimate-command.js')).registerEstimateCommand],
  ['start', async () => (await import('./start-command.js')).registerStartCommand],
  ['serve', async () => (await import('./serve-command.js')).registerServeCommand],
  ['keys', async () => (await import('./keys-command.js')).registerKeysCommand],
  ['ingest', async () => (await import('./ingest-command.js')).registerIngestCommand],
  ['import', async () => (await import('./import-command.js')).registerImportCommand],
  ['reprice', async () => (await import('./reprice-command.js')).registerRepriceCommand],
  ['demo', async () => (await import('./demo-command.js')).registerDemoCommand],
  ['report', async () => (await import('./report-command.js')).registerReportCommand],
  ['kpis', async () => (await import('./kpis-command.js')).registerKpisCommand],
  ['simulate', async () => (await import('./simulate-command.js')).registerSimulateCommand],
  ['optimize', async () => (await import('./optimize-command.js')).registerOptimizeCommand],
  ['plans', async () => (await import('./plans-command.js')).registerPlansCommand],
  ['gateway', async () => (await import('./gateway-command.js')).registerGatewayCommand],
  ['budgets', async () => (await import('./budgets-command.js')).registerBudgetsCommand],
  ['alerts', async () => (await import('./alerts-command.js')).registerAlertsCommand],
  ['push', async () => (await import('./push-command.js')).registerPushCommand],
  ['reconcile', async () => (await import('./reconcile-command.js')).registerReconcileCommand],
  ['catalog', async () => (await import('./catalog-command.js')).registerCatalogCommand],
  ['export', async () => (await import('./export-command.js')).registerExportCommand],
  ['statement', async () => (await import('./statement-command.js')).registerStatementCommand],
  ['store', async () => (await import('./store-command.js')).registerStoreCommand],
];

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
};

/**
 * Builds the command tree: only the command argv names, or every command when it names none of them (help, a
 * typo, whose suggestions need them all). Exported so tests can run commands in-process.
 */
export async function buildProgram(context: CliContext, argv: readonly string[] = []): Promise<Command> {
  const program = new Command('unitcost')
    .description('LLM unit economics: what each AI feature costs per call, per task and per user, and what would fix its margin.')
    .option('--config <file>', 'configuration file (default: ./unitcost.config.json or .yaml, or $UNITCOST_CONFIG)')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: context.io.stdout, writeErr: context.io.stderr })
    .exitOverride();
  const named = commandName(argv);
  const chosen = commandModules.filter(([name]) => named === null || name === named);
  for (const register of await Promise.all(chosen.map(([, load]) => load()))) register(program, context);
  return program;
}

// The command argv (node, script, words…) names: its first word that is not an option nor --config's value; null
// when that word is no command's name.
function commandName(argv: readonly string[]): string | null {
  const words = argv.slice(2);
  for (let index = 0; index < words.length; index += 1) {
    const word = words[index]!;
    if (word === '--config') index += 1;
    else if (!word.startsWith('-')) return commandModules.some(([name]) => name === word) ? word : null;
  }
  return null;
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
  try {
    program = await buildProgram(context, argv);
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

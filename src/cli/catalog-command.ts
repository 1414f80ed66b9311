import type { Command } from 'commander';
import { defaultPriceDataUrl, diffAgainstPriceList, updatePriceData } from '../app/catalog/catalog-update-service.js';
import { UnitcostError } from '../core/unitcost-error.js';
import type { CliContext } from './cli-context.js';

/** Registers `unitcost catalog update` and `unitcost catalog diff`. */
export function registerCatalogCommand(program: Command, context: CliContext): void {
  const catalog = program.command('catalog').description('keep the price catalog current, and compare it with other price lists');

  catalog
    .command('update')
    .description("load a newer @pydantic/genai-prices data file and price with it from now on, without a new unitcost release")
    .option('--from <url-or-file>', `where to read it (default: ${defaultPriceDataUrl})`)
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `
The file is checked (every provider and model, and that openai, anthropic and google are there) and kept
beside the config as unitcost-prices.json, with where and when it came from; every command then prices with
it. Delete that file to go back to the data bundled with unitcost, which stays the offline default. Stored
calls keep the cost they were priced at: run \`unitcost reprice\` to apply the new prices to them.

Examples:
  unitcost catalog update
  unitcost catalog update --from ./data.json        on a machine without internet access`,
    )
    .action(async (options: { from?: string; json?: boolean }) => {
      const app = context.app();
      const result = await updatePriceData(app, { ...(options.from === undefined ? {} : { from: options.from }) });
      if (options.json) {
        context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const lines = [
        `price data from ${result.source}, ${result.providers} providers and ${result.models} models, kept in ${result.file}`,
        `  added     ${result.added.length}${list(result.added)}`,
        `  removed   ${result.removed.length}${list(result.removed)}`,
        `  repriced  ${result.repriced.length}${list(result.repriced.map((entry) => `${entry.model} (${entry.classes.join(', ')})`))}`,
        'stored calls keep their costs until `unitcost reprice` applies the new prices',
      ];
      context.io.stdout(`${lines.join('\n')}\n`);
    });

  catalog
    .command('diff')
    .description("compare the catalog with LiteLLM's model_prices_and_context_window.json, class by class")
    .requiredOption('--against <file>', "the other price list (LiteLLM's model_prices_and_context_window.json)")
    .option('--threshold <percent>', 'list differences above this many percent (default 1)', parsePercent, 1)
    .option('--json', 'print the comparison as JSON')
    .addHelpText(
      'after',
      `
Two maintained price lists disagree more often than one would hope: a model each prices differently is
one to check against the provider's page before trusting either. Only prices both lists state are
compared (input, output, cache reads and writes, audio input), at today's date, with the config's
discounts and price points applied to ours.

Example:
  curl -o litellm.json https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json
  unitcost catalog diff --against litellm.json`,
    )
    .action((options: { against: string; threshold: number; json?: boolean }) => {
      const app = context.app();
      const result = diffAgainstPriceList(app, { against: options.against, threshold: options.threshold / 100 });
      if (options.json) {
        context.io.stdout(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const lines = [`ours: ${result.ourSource}; theirs: ${result.against}; ${result.compared} models compared`];
      if (result.differences.length === 0) lines.push(`no price differs by more than ${options.threshold}%`);
      else {
        lines.push(`${result.differences.length} prices differ by more than ${options.threshold}% ($/M tokens):`);
        for (const difference of result.differences) {
          const change = Number.isFinite(difference.relative) ? `${difference.relative > 0 ? '+' : ''}${(difference.relative * 100).toFixed(1)}%` : 'ours is 0';
          lines.push(`  ${`${difference.provider}/${difference.model}`.padEnd(44)} ${difference.tokenClass.padEnd(13)} ours ${String(difference.ours).padStart(9)}  theirs ${String(difference.theirs).padStart(9)}  ${change}`);
        }
      }
      if (result.onlyTheirs.length > 0) lines.push(`${result.onlyTheirs.length} models only in theirs, e.g. ${result.onlyTheirs.slice(0, 5).map((entry) => `${entry.provider}/${entry.model}`).join(', ')}`);
      context.io.stdout(`${lines.join('\n')}\n`);
    });
}

function list(items: string[]): string {
  if (items.length === 0) return '';
  return `: ${items.slice(0, 8).join(', ')}${items.length > 8 ? `, and ${items.length - 8} more` : ''}`;
}

function parsePercent(value: string): number {
  const percent = Number(value);
  if (!Number.isFinite(percent) || percent < 0) throw new UnitcostError('invalid_argument', `--threshold must be a percentage from 0 up, got "${value}"`, { field: '--threshold' });
  return percent;
}

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Benchmark, BenchmarkOptions } from './benchmark.js';

/*
 * Runs the benchmarks: every bench/<name>.bench.ts, or the ones named on the command line.
 *   npm run bench                          all of them
 *   npm run bench -- pricing --calls 1000000
 * Several benchmarks each run in a child process of their own, so one's heap and JIT state cannot slow the
 * next; a single one runs in this process, which keeps `node --cpu-prof` profiles simple.
 * Exit code: 0 when every correctness check passed, 1 when one failed, 2 for a bad command line.
 */

const benchDirectory = dirname(fileURLToPath(import.meta.url));
const outDirectory = join(benchDirectory, 'out');
const usage = `usage: npm run bench -- [name…] [--calls N] [--reference-calls N] [--repetitions N] [--seed N]`;

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        calls: { type: 'string' },
        'reference-calls': { type: 'string' },
        repetitions: { type: 'string' },
        seed: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const available = readdirSync(benchDirectory)
    .filter((file) => file.endsWith('.bench.ts'))
    .map((file) => file.slice(0, -'.bench.ts'.length))
    .sort();
  if (parsed.values.help || parsed.values.list) {
    console.log(`${usage}\nbenchmarks: ${available.join(', ')}`);
    return 0;
  }
  const unknown = parsed.positionals.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    console.error(`no benchmark named ${unknown.join(', ')}; there are: ${available.join(', ')}`);
    return 2;
  }
  let options: BenchmarkOptions;
  try {
    options = {
      calls: positiveInteger('calls', parsed.values.calls),
      referenceCalls: positiveInteger('reference-calls', parsed.values['reference-calls']),
      repetitions: positiveInteger('repetitions', parsed.values.repetitions),
      seed: positiveInteger('seed', parsed.values.seed),
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  const selected = parsed.positionals.length > 0 ? [...new Set(parsed.positionals)] : available;
  if (selected.length === 1) return runInThisProcess(selected[0]!, options);

  let failed = 0;
  for (const name of selected) {
    const forwarded = process.argv.slice(2).filter((argument) => !available.includes(argument));
    // execArgv carries tsx's loader (and --cpu-prof, when given), so the child runs TypeScript like this process.
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name, ...forwarded], { stdio: 'inherit' });
    if (child.status !== 0) failed += 1;
  }
  return failed === 0 ? 0 : 1;
}

async function runInThisProcess(name: string, options: BenchmarkOptions): Promise<number> {
  const module = (await import(pathToFileURL(join(benchDirectory, `${name}.bench.ts`)).href)) as { benchmark?: Benchmark };
  const benchmark = module.benchmark;
  if (!benchmark) throw new Error(`bench/${name}.bench.ts does not export a benchmark`);
  const machine = describeMachine();
  console.log(`== ${benchmark.name}: ${benchmark.description}`);
  console.log(`   ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageBefore.join(' ')}`);
  const startedAt = new Date().toISOString();
  const outcome = await benchmark.run(options);
  const report = {
    benchmark: benchmark.name,
    startedAt,
    finishedAt: new Date().toISOString(),
    options,
    machine: { ...machine, loadAverageAfter: loadavg().map(round) },
    passed: outcome.passed,
    results: outcome.results,
  };
  mkdirSync(outDirectory, { recursive: true });
  const outPath = join(outDirectory, `${benchmark.name}.json`);
  // Exact totals are bigints, which JSON cannot hold as numbers: they are written as decimal strings.
  writeFileSync(outPath, `${JSON.stringify(report, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`);
  console.log(`   results written to ${outPath}`);
  return outcome.passed ? 0 : 1;
}

function describeMachine(): { cpu: string; cores: number; node: string; loadAverageBefore: number[] } {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown CPU',
    cores: processors.length,
    node: process.versions.node,
    // The machine may be shared: the load around a run says how much to trust its timings.
    loadAverageBefore: loadavg().map(round),
  };
}

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value.replaceAll('_', ''));
  if (!Number.isSafeInteger(parsed) || parsed <= 0) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return parsed;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

process.exitCode = await main();

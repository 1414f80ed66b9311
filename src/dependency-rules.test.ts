import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

// Runs the project's dependency rules over a small tree, as `npm test` runs them over src.
function violations(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-deps-'));
  cpSync(join(root, '.dependency-cruiser.cjs'), join(directory, '.dependency-cruiser.cjs'));
  writeFileSync(join(directory, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  try {
    execFileSync(depcruise, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: directory, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

describe('dependency rules', () => {
  it('fail when the core imports an adapter', () => {
    const output = violations({
      'src/core/cost/price.ts': "import { serve } from '../../server/serve.js';\nexport const price = serve;\n",
      'src/server/serve.ts': 'export const serve = 1;\n',
    });
    expect(output).toContain('core-stays-pure');
  });

  it('fail when the core reaches for Node I/O', () => {
    const output = violations({ 'src/core/catalog/load.ts': "import { readFileSync } from 'node:fs';\nexport const load = readFileSync;\n" });
    expect(output).toContain('core-no-node-io');
  });

  it('fail when one surface calls another', () => {
    const output = violations({
      'src/cli/report.ts': "import { route } from '../server/route.js';\nexport const report = route;\n",
      'src/server/route.ts': 'export const route = 1;\n',
    });
    expect(output).toContain('surfaces-independent');
  });

  it('pass when adapters depend on the core', () => {
    const output = violations({
      'src/core/cost/price.ts': 'export const price = 1;\n',
      'src/cli/report.ts': "import { price } from '../core/cost/price.js';\nexport const report = price;\n",
    });
    expect(output).toBe('');
  });
});

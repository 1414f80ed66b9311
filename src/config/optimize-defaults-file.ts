import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { optimizeDefaultsFileSchema, type OptimizeDefaultsOverrides } from '../core/simulate/optimize-levers.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { parseLocated } from './parse-located.js';

/** Reads an `optimize --defaults` file (YAML or JSON); every error names the file, the line and the field. */
export function loadOptimizeDefaults(file: string): OptimizeDefaultsOverrides {
  const path = resolve(file);
  if (!existsSync(path)) throw new UnitcostError('invalid_argument', `defaults file not found: ${path}`, { field: 'defaults', file: path });
  return parseLocated(readFileSync(path, 'utf8'), path, optimizeDefaultsFileSchema);
}

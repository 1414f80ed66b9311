import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { ScenarioIssue } from '../core/simulate/check-scenario.js';
import { simulationScenarioSchema, type SimulationScenario } from '../core/simulate/scenario-schema.js';
import { UnitcostError } from '../core/unitcost-error.js';
import { lineOf, parseLocated } from './parse-located.js';

/** A what-if scenario as read, with what is needed to point later errors at its lines. */
export interface LoadedSimulationScenario {
  /** The file, or a name such as "request body" for a scenario that came over HTTP. */
  file: string;
  scenario: SimulationScenario;
  /** One error naming file, line and field for every issue checkScenario found. */
  issueError: (issues: ScenarioIssue[]) => UnitcostError;
}

/** Where a what-if scenario comes from: a file, YAML/JSON text, or an object already parsed (a JSON body). */
export type ScenarioSource = { file: string; directory?: string } | { text: string; name: string } | { value: unknown; name: string };

/** Reads and validates a what-if scenario; every error names the file (or body), the line and the field. */
export function loadSimulationScenario(source: ScenarioSource): LoadedSimulationScenario {
  let file: string;
  let text: string;
  if ('file' in source) {
    file = resolve(source.directory ?? process.cwd(), source.file);
    if (!existsSync(file)) throw new UnitcostError('invalid_argument', `scenario file not found: ${file}`, { field: 'scenario', file });
    text = readFileSync(file, 'utf8');
  } else if ('text' in source) {
    file = source.name;
    text = source.text;
  } else {
    // An object has no lines of its own: laid out as indented JSON (which is YAML), its errors still get one.
    file = source.name;
    if (typeof source.value !== 'object' || source.value === null || Array.isArray(source.value)) {
      throw new UnitcostError('invalid_config', `${file}: scenario must be an object with a levers list`, { field: 'scenario', file });
    }
    text = JSON.stringify(source.value, null, 2);
  }
  const scenario = parseLocated(text, file, simulationScenarioSchema);
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  return {
    file,
    scenario,
    issueError: (issues) => {
      const located = issues.map((issue) => {
        const line = lineOf(document, lineCounter, issue.path);
        const field = fieldLabel(issue.path);
        return { line, field, text: `${file}:${line}: ${field}: ${issue.message}` };
      });
      const first = located[0]!;
      const suggestions = issues.find((issue) => issue.suggestions?.length)?.suggestions;
      // A scenario naming an unknown model is a bad scenario (HTTP 400), not a missing resource.
      return new UnitcostError('invalid_config', located.map((entry) => entry.text).join('\n'), { file, line: first.line, field: first.field, ...(suggestions ? { suggestions } : {}) });
    },
  };
}

function fieldLabel(path: ReadonlyArray<string | number>): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${part}`)).join('');
}

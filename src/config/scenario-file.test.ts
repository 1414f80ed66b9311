import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadScenarioFile } from './scenario-file.js';

const directory = mkdtempSync(join(tmpdir(), 'unitcost-scenario-'));
const thresholds = { maxCostShareOfArpu: 0.25, minInferenceMargin: 0.4 };

function scenarioFile(name: string, text: string): string {
  const file = join(directory, name);
  writeFileSync(file, text);
  return file;
}

function thrown(action: () => unknown): UnitcostError {
  try {
    action();
  } catch (error) {
    if (UnitcostError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a UnitcostError');
}

const valid = `arpu: 20
active_users: 500
thresholds:
  min_inference_margin: 0.6
features:
  - name: chat
    route:
      model-a: 0.8
      model-b: 0.2
    input: 3000
    output: 400
    cache_write: 100
    calls_per_session: 4
    sessions_per_user_month: 30
overheads:
  - name: vector db
    usd_per_month: 250
`;

describe('loadScenarioFile', () => {
  it('turns a scenario file into the estimate shape, its thresholds over the base ones', () => {
    const shape = loadScenarioFile(scenarioFile('valid.yaml', valid)).shape(thresholds);
    expect(shape).toEqual({
      features: [
        {
          name: 'chat',
          shape: {
            route: [{ model: 'model-a', share: 0.8 }, { model: 'model-b', share: 0.2 }],
            input: 3000,
            output: 400,
            cacheWrite: 100,
            calls: 4,
            sessionsPerMonth: 30,
          },
        },
      ],
      overheads: [{ name: 'vector db', usdPerMonth: 250 }],
      arpuUsd: 20,
      activeUsers: 500,
      thresholds: { maxCostShareOfArpu: 0.25, minInferenceMargin: 0.6 },
    });
  });

  it('names the file, line and field of a value the schema rejects', () => {
    const file = scenarioFile('negative.yaml', valid.replace('output: 400', 'output: -400'));
    const error = thrown(() => loadScenarioFile(file));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toContain(`${file}:11: features[0].output:`);
    expect(error.details).toMatchObject({ file, line: 11, field: 'features[0].output' });
  });

  it('points an estimate issue at the line of the field it concerns, spelt as in the file', () => {
    const loaded = loadScenarioFile(scenarioFile('issues.yaml', valid));
    const error = loaded.issueError([
      { code: 'unknown_model', feature: 0, path: ['route', 'model-b'], message: 'no model matches "model-b"', suggestions: ['acme/model-c'] },
      { code: 'invalid_argument', feature: 0, path: ['cacheWrite'], message: '{cacheWrite} (100 tokens) exceeds {input}' },
      { code: 'invalid_argument', path: ['minMargin'], message: '{minMargin} is off' },
    ]);
    expect(error.code).toBe('unknown_model');
    expect(error.message.split('\n')).toEqual([
      `${loaded.file}:9: features[0].route.model-b: no model matches "model-b"`,
      `${loaded.file}:12: features[0].cache_write: cache_write (100 tokens) exceeds input`,
      `${loaded.file}:4: thresholds.min_inference_margin: thresholds.min_inference_margin is off`,
    ]);
    expect(error.details.suggestions).toEqual(['acme/model-c']);
  });

  it('rejects a field it does not know, with its line', () => {
    const file = scenarioFile('unknown-field.yaml', valid.replace('    calls_per_session: 4', '    calls_per_sesion: 4'));
    expect(thrown(() => loadScenarioFile(file)).message).toMatch(new RegExp(`${file}:\\d+: features\\[0\\]: Unrecognized key: "calls_per_sesion"`));
  });
});

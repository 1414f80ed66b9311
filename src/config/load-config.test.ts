import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadConfig } from './load-config.js';

function directoryWith(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(directory, name), text);
  return directory;
}

function errorOf(action: () => unknown): UnitcostError {
  try {
    action();
  } catch (error) {
    if (UnitcostError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('uses the defaults when there is no config file', () => {
    const { config, file } = loadConfig({ directory: directoryWith({}), environment: {} });
    expect(file).toBeUndefined();
    expect(config.thresholds).toEqual({ max_cost_share_of_arpu: 0.25, min_inference_margin: 0.4 });
  });

  it('reads custom models, discounts and dated prices from YAML', () => {
    const directory = directoryWith({
      'unitcost.config.yaml': [
        'models:',
        '  - id: our-llama',
        '    provider: self-hosted',
        '    prices: { input: 0.2, output: 0.6 }',
        'discounts:',
        '  - provider: anthropic',
        '    percent: 20',
        'prices:',
        '  - model: gpt-5',
        '    effective_from: 2026-03-01',
        '    input: 1',
      ].join('\n'),
    });
    const { config } = loadConfig({ directory, environment: {} });
    expect(config.models[0]).toMatchObject({ id: 'our-llama', provider: 'self-hosted', prices: { input: 0.2, output: 0.6 } });
    expect(config.discounts[0]).toMatchObject({ provider: 'anthropic', percent: 20 });
    expect(config.prices[0]).toMatchObject({ model: 'gpt-5', effective_from: '2026-03-01', input: 1 });
  });

  it('names the file, the line and the field of a bad value', () => {
    const directory = directoryWith({
      'unitcost.config.yaml': ['discounts:', '  - provider: anthropic', '    percent: 120'].join('\n'),
    });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.code).toBe('invalid_config');
    expect(error.message).toMatch(/unitcost\.config\.yaml:3: discounts\[0\]\.percent: /);
    expect(error.details).toMatchObject({ line: 3, field: 'discounts[0].percent' });
  });

  it('reads which span attributes carry tags, and names a tag that does not exist with the ones that do', () => {
    const good = directoryWith({ 'unitcost.config.yaml': ['capture:', '  otlp:', '    attributes:', '      enduser.id: user_id', '      app.feature: feature'].join('\n') });
    expect(loadConfig({ directory: good, environment: {} }).config.capture.otlp.attributes).toEqual({ 'enduser.id': 'user_id', 'app.feature': 'feature' });
    const bad = directoryWith({ 'unitcost.config.yaml': ['capture:', '  otlp:', '    attributes:', '      enduser.id: customer'].join('\n') });
    const error = errorOf(() => loadConfig({ directory: bad, environment: {} }));
    expect(error.message).toMatch(/unitcost\.config\.yaml:4: capture\.otlp\.attributes\.enduser\.id: must be one of feature, team/);
  });

  it('reads the top-level budgets, with their alert points filled in', () => {
    const directory = directoryWith({
      'unitcost.config.yaml': ['budgets:', '  - name: support-daily', '    per: team', '    equals: support', '    period: day', '    limit_usd: 50', '    mode: hard', '  - name: all-monthly', '    period: month', '    limit_usd: 5000', '    mode: soft', '    alert_at: [0.8, 1.2]'].join('\n'),
    });
    expect(loadConfig({ directory, environment: {} }).config.budgets).toEqual([
      { name: 'support-daily', per: 'team', equals: 'support', period: 'day', limit_usd: 50, mode: 'hard', alert_at: [0.5, 0.8, 1] },
      { name: 'all-monthly', period: 'month', limit_usd: 5000, mode: 'soft', alert_at: [0.8, 1.2] },
    ]);
    expect(loadConfig({ directory: directoryWith({}), environment: {} }).config.budgets).toEqual([]);
  });

  it('names the file, line and field of a bad budget: an unknown scope, a negative amount', () => {
    const directory = directoryWith({
      'unitcost.config.yaml': ['budgets:', '  - name: a', '    per: customer', '    period: day', '    limit_usd: 5', '    mode: hard', '  - name: b', '    period: day', '    limit_usd: -5', '    mode: hard'].join('\n'),
    });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.code).toBe('invalid_config');
    expect(error.details).toMatchObject({ line: 3, field: 'budgets[0].per' });
    expect(error.message).toMatch(/unitcost\.config\.yaml:3: budgets\[0\]\.per: must be one of team, feature, user_tier, user_id, session_id/);
    expect(error.message).toMatch(/unitcost\.config\.yaml:9: budgets\[1\]\.limit_usd: must be above 0/);
  });

  it('names the second budget that takes a name already used', () => {
    const budget = (name: string, team: string): string[] => [`  - name: ${name}`, '    per: team', `    equals: ${team}`, '    period: day', '    limit_usd: 5', '    mode: hard'];
    const directory = directoryWith({ 'unitcost.config.yaml': ['budgets:', ...budget('daily', 'support'), ...budget('daily', 'devtools')].join('\n') });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.details).toMatchObject({ line: 8, field: 'budgets[1].name' });
    expect(error.message).toMatch(/unitcost\.config\.yaml:8: budgets\[1\]\.name: "daily" is already the name of budgets\[0\]/);
  });

  it('points a missing field at the object that lacks it, in JSON too', () => {
    const directory = directoryWith({
      'unitcost.config.json': '{\n  "models": [\n    { "id": "x",\n      "prices": { "input": 1 } }\n  ]\n}\n',
    });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.message).toMatch(/unitcost\.config\.json:4: models\[0\]\.prices: .*input and output/);
  });

  it('rejects a field it does not know rather than ignoring a typo', () => {
    const directory = directoryWith({ 'unitcost.config.yaml': 'discount:\n  - provider: anthropic\n' });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.message).toMatch(/unitcost\.config\.yaml:1: .*discount/);
  });

  it('reports a YAML syntax error with its line', () => {
    const directory = directoryWith({ 'unitcost.config.yaml': 'models:\n  - id: [unclosed\n' });
    const error = errorOf(() => loadConfig({ directory, environment: {} }));
    expect(error.message).toMatch(/unitcost\.config\.yaml:\d+: \(syntax\)/);
  });

  it('follows UNITCOST_CONFIG and says when the file is missing', () => {
    const directory = directoryWith({ 'custom.yaml': 'thresholds:\n  min_inference_margin: 0.5\n' });
    expect(loadConfig({ directory, environment: { UNITCOST_CONFIG: 'custom.yaml' } }).config.thresholds.min_inference_margin).toBe(0.5);
    const error = errorOf(() => loadConfig({ directory, environment: { UNITCOST_CONFIG: 'nope.yaml' } }));
    expect(error.message).toContain('config file not found');
  });
});

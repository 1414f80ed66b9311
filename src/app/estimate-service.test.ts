import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { createApp } from './create-app.js';
import { estimateFromFlags, estimateFromScenarioText } from './estimate-service.js';

const app = createApp({ directory: '/nonexistent-config-dir', now: () => new Date('2026-11-01T12:00:00Z') });

function errorOf(run: () => unknown): UnitcostError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnitcostError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('the estimate service', () => {
  it('names a scenario field as the file spells it, with the feature index', () => {
    const text = JSON.stringify({ features: [{ name: 'faq', model: 'claude-opuss-4-7', input: 2000, output: 800, sessions_per_user_month: 20 }] });
    const error = errorOf(() => estimateFromScenarioText(app, text));
    expect(error.code).toBe('unknown_model');
    expect(error.details.field).toBe('features[0].model');
  });

  it('spells flags the way its caller reads them: bare in a URL, with dashes on the command line', () => {
    expect(errorOf(() => estimateFromFlags(app, { output: '800' })).message).toMatch(/^input is required/);
    const cli = errorOf(() => estimateFromFlags(app, { output: '800' }, { prefix: '--', missingHint: ' (or use --scenario)' }));
    expect(cli.message).toMatch(/^--input is required: .*\(or use --scenario\)$/);
    expect(errorOf(() => estimateFromFlags(app, { input: '2k', output: '800', model: 'x', 'cache-hit-rate': '1.5' }, { prefix: '--' })).details.field).toBe('--cache-hit-rate');
  });
});

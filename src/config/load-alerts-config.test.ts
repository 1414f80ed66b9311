import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadConfig } from './load-config.js';

describe('loadConfig of alerts:', () => {
  it('names the config file, line and field of a bad rule', () => {
    const directory = mkdtempSync(join(tmpdir(), 'unitcost-alerts-config-'));
    const yaml = ['alerts:', '  - name: spend', '    kind: spend_anomaly', '    per: feature', '    min_increase_usd: -5', '  - name: tiers', '    kind: spend_anomaly', '    per: customer'];
    writeFileSync(join(directory, 'unitcost.config.yaml'), yaml.join('\n'));
    let error: unknown;
    try {
      loadConfig({ directory, environment: {} });
    } catch (caught) {
      error = caught;
    }
    expect(UnitcostError.isInstance(error)).toBe(true);
    const message = (error as UnitcostError).message;
    expect(message).toMatch(/unitcost\.config\.yaml:5: alerts\[0\]\.min_increase_usd: must not be negative/);
    expect(message).toMatch(/unitcost\.config\.yaml:8: alerts\[1\]\.per: must be one of feature, team/);
  });
});

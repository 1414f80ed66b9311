import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UnitcostError } from '../core/unitcost-error.js';
import { loadConfig } from './load-config.js';
import { loadWebhookSecrets } from './webhook-secrets.js';

function directoryWith(yaml: string): string {
  const directory = mkdtempSync(join(tmpdir(), 'unitcost-alerts-delivery-'));
  writeFileSync(join(directory, 'unitcost.config.yaml'), yaml);
  return directory;
}

describe('alerts_delivery in the config', () => {
  it('names the file, line and field of a webhook URL that is not http(s)', () => {
    const directory = directoryWith(['alerts_delivery:', '  webhooks:', '    - name: ops', '      url: ftp://hooks.example.com/unitcost', '      secret_env: OPS_SIGNING_KEY'].join('\n'));
    let caught: unknown;
    try {
      loadConfig({ directory, environment: {} });
    } catch (error) {
      caught = error;
    }
    expect(UnitcostError.isInstance(caught)).toBe(true);
    const error = caught as UnitcostError;
    expect(error.details).toMatchObject({ file: join(directory, 'unitcost.config.yaml'), line: 4, field: 'alerts_delivery.webhooks[0].url' });
    expect(error.message).toMatch(/unitcost\.config\.yaml:4: alerts_delivery\.webhooks\[0\]\.url: must be an http:\/\/ or https:\/\/ URL/);
  });

  it('fills in the defaults and reads each signing key from the variable it names, never from the file', () => {
    const directory = directoryWith(['alerts_delivery:', '  webhooks:', '    - name: ops', '      url: https://hooks.example.com/unitcost', '      secret_env: OPS_SIGNING_KEY', '    - name: finance', '      url: http://10.0.0.5/hook', '      secret_env: FINANCE_KEY'].join('\n'));
    const { config } = loadConfig({ directory, environment: {} });
    expect(config.alerts_delivery).toEqual({
      webhooks: [
        { name: 'ops', url: 'https://hooks.example.com/unitcost', secret_env: 'OPS_SIGNING_KEY', events: ['opened', 'resolved'], min_severity: 'warning' },
        { name: 'finance', url: 'http://10.0.0.5/hook', secret_env: 'FINANCE_KEY', events: ['opened', 'resolved'], min_severity: 'warning' },
      ],
      evaluate_after_quiet_seconds: 5,
      evaluate_at_most_every_seconds: 60,
      resolve_after_missed_evaluations: 1,
    });
    const loaded = loadWebhookSecrets(config.alerts_delivery.webhooks, { OPS_SIGNING_KEY: 'k3y' });
    expect(loaded.webhooks[0]!.secret?.reveal()).toBe('k3y');
    expect(JSON.stringify(loaded.webhooks)).not.toContain('k3y');
    expect(loaded.unsetVariables).toEqual(['FINANCE_KEY']);
  });
});

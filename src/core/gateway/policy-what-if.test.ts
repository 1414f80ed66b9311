import { describe, expect, it } from 'vitest';
import { policyWhatIfs, type WhatIfPolicies } from './policy-what-if.js';

const none: WhatIfPolicies = { output_caps: [], routes: [], response_cache: [], sessions: [] };
const measured = { hitRate: () => 0.25, escalationShare: () => 0.1 };

describe('policyWhatIfs', () => {
  it('turns each policy into a one-lever scenario of the same kind, named by where it is in the config', () => {
    const whatIfs = policyWhatIfs(
      {
        output_caps: [{ when: { feature: 'support' }, max_output_tokens: 512 }],
        routes: [{ when: { feature: 'search', user_tier: 'free' }, to: { model: 'gpt-4.1-mini' }, share: 0.5 }],
        response_cache: [{ when: { feature: 'faq' }, ttl_seconds: 600 }],
        sessions: [{ when: { feature: 'agent' }, max_calls: 50, max_usd: 5 }],
        cascades: [{ when: { feature: 'extract' }, first: { model: 'gpt-4.1-nano' } }],
      },
      measured,
    );
    expect(whatIfs.map((whatIf) => [whatIf.lever, whatIf.policy, whatIf.scenario?.levers])).toEqual([
      ['output_cap', 'gateway.policies.output_caps[0]', [{ output_cap: { feature: 'support', max_tokens: 512 } }]],
      ['route', 'gateway.policies.routes[0]', [{ route: { feature: 'search', to: 'gpt-4.1-mini', share: 0.5, when: { user_tier: 'free' } } }]],
      ['response_cache', 'gateway.policies.response_cache[0]', [{ response_cache: { feature: 'faq', hit_rate: 0.25, ttl_minutes: 10 } }]],
      ['session_limit', 'gateway.policies.sessions[0]', [{ session_limit: { feature: 'agent', max_steps: 50, max_session_usd: 5 } }]],
      ['cascade', 'gateway.policies.cascades[0]', [{ route: { feature: 'extract', to: 'gpt-4.1-nano', cascade: { escalation_share: 0.1 } } }]],
    ]);
  });

  it('says when the replay covers more calls than the policy, for a condition it cannot select on', () => {
    const [cap] = policyWhatIfs({ ...none, output_caps: [{ when: { feature: 'support', team: 'emea', model: 'gpt-5*' }, max_output_tokens: 300 }] }, measured);
    expect(cap!.caveats).toEqual(['the what-if cannot select calls by team emea, model gpt-5*: its estimate covers every call of support']);
  });

  it('has no estimate for a cache or cascade the gateway measured nothing of', () => {
    const whatIfs = policyWhatIfs(
      { ...none, response_cache: [{ when: {}, ttl_seconds: 60 }], cascades: [{ when: {}, first: { model: 'gpt-4.1-nano' } }] },
      { hitRate: () => null, escalationShare: () => null },
    );
    expect(whatIfs.map((whatIf) => [whatIf.lever, whatIf.scenario])).toEqual([
      ['response_cache', null],
      ['cascade', null],
    ]);
    expect(whatIfs[0]!.caveats[0]).toMatch(/no lookup of this cache was recorded/);
  });
});

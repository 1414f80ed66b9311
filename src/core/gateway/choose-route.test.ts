import { describe, expect, it } from 'vitest';
import { chooseRoute } from './choose-route.js';
import type { RouteRule } from './gateway-config.js';

const freeToMini: RouteRule = { when: { user_tier: 'free', model: 'gpt-4.1' }, to: { model: 'gpt-4.1-mini' }, share: 1 };
const never = (): number => {
  throw new Error('random() should not be needed');
};

describe('chooseRoute', () => {
  it('sends the free tier to the budget model', () => {
    expect(chooseRoute([freeToMini], { tags: { user_tier: 'free' }, model: 'gpt-4.1' }, never)).toEqual({ routed: true, model: 'gpt-4.1-mini', provider: undefined, rule: 0 });
  });

  it('leaves a call no rule matches on the model it asked for', () => {
    expect(chooseRoute([freeToMini], { tags: { user_tier: 'pro' }, model: 'gpt-4.1' }, never)).toEqual({ routed: false });
    expect(chooseRoute([freeToMini], { tags: { user_tier: 'free' }, model: 'gpt-5' }, never)).toEqual({ routed: false });
  });

  it('takes a share of the matching calls, the same side every time for one user', () => {
    const split: RouteRule = { when: {}, to: { model: 'claude-haiku-4-5', provider: 'anthropic-eu' }, share: 0.3 };
    const users = Array.from({ length: 2_000 }, (_, index) => `user-${index}`);
    const routed = users.filter((user) => chooseRoute([split], { tags: { user_id: user }, model: 'claude-sonnet-4-5' }, never).routed);
    expect(routed.length / users.length).toBeGreaterThan(0.25);
    expect(routed.length / users.length).toBeLessThan(0.35);
    for (const user of users.slice(0, 50)) {
      const first = chooseRoute([split], { tags: { user_id: user }, model: 'claude-sonnet-4-5' }, never);
      expect(chooseRoute([split], { tags: { user_id: user }, model: 'claude-sonnet-4-5' }, never)).toEqual(first);
    }
  });

  it('draws at random for a call with neither user nor session, and falls through to the next rule', () => {
    const rules: RouteRule[] = [
      { when: {}, to: { model: 'a' }, share: 0.5 },
      { when: {}, to: { model: 'b' }, share: 1 },
    ];
    expect(chooseRoute(rules, { tags: {}, model: 'x' }, () => 0.2)).toMatchObject({ model: 'a' });
    expect(chooseRoute(rules, { tags: {}, model: 'x' }, () => 0.7)).toMatchObject({ model: 'b', rule: 1 });
  });
});

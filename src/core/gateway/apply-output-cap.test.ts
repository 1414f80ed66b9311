import { describe, expect, it } from 'vitest';
import { applyOutputCap } from './apply-output-cap.js';
import type { OutputCap } from './gateway-config.js';

const caps: OutputCap[] = [
  { when: { feature: 'coding-agent' }, max_output_tokens: 4000 },
  { when: { user_tier: 'free' }, max_output_tokens: 300 },
];
const chatFields = ['max_completion_tokens', 'max_tokens'];

describe('applyOutputCap', () => {
  it('sets the limit where the client sent none', () => {
    const body: Record<string, unknown> = { model: 'gpt-4.1' };
    expect(applyOutputCap(caps, { tags: { user_tier: 'free' }, model: 'gpt-4.1' }, body, chatFields)).toEqual({ action: 'set', field: 'max_completion_tokens', limit: 300 });
    expect(body.max_completion_tokens).toBe(300);
  });

  it('clamps a limit above the cap and keeps one below it', () => {
    const above: Record<string, unknown> = { max_tokens: 1000 };
    expect(applyOutputCap(caps, { tags: { user_tier: 'free' }, model: 'gpt-4.1' }, above, chatFields)).toEqual({ action: 'clamped', field: 'max_tokens', limit: 300, requested: 1000 });
    expect(above.max_tokens).toBe(300);
    const below: Record<string, unknown> = { max_tokens: 100 };
    expect(applyOutputCap(caps, { tags: { user_tier: 'free' }, model: 'gpt-4.1' }, below, chatFields)).toEqual({ action: 'none' });
    expect(below.max_tokens).toBe(100);
  });

  it('applies the first cap that matches, so an exception listed first wins', () => {
    const body: Record<string, unknown> = {};
    applyOutputCap(caps, { tags: { feature: 'coding-agent', user_tier: 'free' }, model: 'gpt-4.1' }, body, chatFields);
    expect(body.max_completion_tokens).toBe(4000);
  });

  it('leaves a call no cap matches untouched', () => {
    const body: Record<string, unknown> = {};
    expect(applyOutputCap(caps, { tags: { user_tier: 'pro' }, model: 'gpt-4.1' }, body, chatFields)).toEqual({ action: 'none' });
    expect(body).toEqual({});
  });

  it('matches caps by model pattern', () => {
    const body: Record<string, unknown> = {};
    applyOutputCap([{ when: { model: 'claude-*' }, max_output_tokens: 512 }], { tags: {}, model: 'claude-haiku-4-5' }, body, ['max_tokens']);
    expect(body.max_tokens).toBe(512);
  });
});

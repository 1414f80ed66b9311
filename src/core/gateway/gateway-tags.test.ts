import { describe, expect, it } from 'vitest';
import { readGatewayTags } from './gateway-tags.js';

const headersOf = (values: Record<string, string>) => (name: string) => values[name];

describe('readGatewayTags', () => {
  it('reads every tag header into the event field it names', () => {
    const result = readGatewayTags(
      headersOf({
        'x-unitcost-feature': 'support-faq',
        'x-unitcost-team': 'support',
        'x-unitcost-user-tier': 'pro',
        'x-unitcost-user': 'user-7',
        'x-unitcost-session': 'chat-9',
        'x-unitcost-task': 'ticket-9',
        'x-unitcost-step': '3',
      }),
    );
    expect(result).toEqual({ ok: true, tags: { feature: 'support-faq', team: 'support', user_tier: 'pro', user_id: 'user-7', session_id: 'chat-9', task_id: 'ticket-9', step: 3 } });
  });

  it('leaves out the tags whose headers are absent', () => {
    expect(readGatewayTags(headersOf({ 'x-unitcost-feature': ' faq ' }))).toEqual({ ok: true, tags: { feature: 'faq' } });
  });

  it('refuses a step that is not a whole number, naming the header', () => {
    expect(readGatewayTags(headersOf({ 'x-unitcost-step': '1.5' }))).toEqual({ ok: false, header: 'x-unitcost-step', message: 'header x-unitcost-step must be a whole number ≥ 0, got "1.5"' });
  });

  it('refuses an empty tag and one longer than the event format allows', () => {
    expect(readGatewayTags(headersOf({ 'x-unitcost-team': '  ' }))).toMatchObject({ ok: false, header: 'x-unitcost-team' });
    expect(readGatewayTags(headersOf({ 'x-unitcost-user': 'u'.repeat(513) }))).toMatchObject({ ok: false, header: 'x-unitcost-user', message: 'header x-unitcost-user is longer than 512 characters' });
  });
});

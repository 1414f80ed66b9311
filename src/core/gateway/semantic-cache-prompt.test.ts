import { describe, expect, it } from 'vitest';
import { semanticCachePrompt } from './semantic-cache-prompt.js';

describe('semanticCachePrompt', () => {
  it('reads a chat request\'s messages as role-labelled lines, and keeps every other field to compare exactly', () => {
    const body = {
      model: 'gpt-4.1',
      temperature: 0,
      messages: [
        { role: 'system', content: 'You answer  shipping\nquestions.' },
        { role: 'user', content: [{ type: 'text', text: 'When does my order ship?' }, { type: 'text', text: 'Order 42.' }] },
      ],
    };
    expect(semanticCachePrompt('/v1/chat/completions', body)).toEqual({
      ok: true,
      text: 'system: You answer shipping questions.\nuser: When does my order ship? Order 42.',
      rest: { model: 'gpt-4.1', temperature: 0 },
    });
  });

  it('reads a Responses request\'s instructions and input, a string or message items', () => {
    expect(semanticCachePrompt('/v1/responses', { model: 'gpt-5-mini', instructions: 'Be brief.', input: 'When does it ship?' })).toEqual({
      ok: true,
      text: 'instructions: Be brief.\nuser: When does it ship?',
      rest: { model: 'gpt-5-mini' },
    });
    const items = { model: 'gpt-5-mini', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'When does it ship?' }] }, { role: 'assistant', content: 'Thursday.' }] };
    expect(semanticCachePrompt('/v1/responses', items)).toMatchObject({ ok: true, text: 'user: When does it ship?\nassistant: Thursday.' });
  });

  it('reads an Anthropic request\'s system, as a string or text blocks, and its messages', () => {
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 512,
      system: [{ type: 'text', text: 'You answer shipping questions.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: 'When does my order ship?' }],
    };
    expect(semanticCachePrompt('/v1/messages', body)).toEqual({
      ok: true,
      text: 'system: You answer shipping questions.\nuser: When does my order ship?',
      rest: { model: 'claude-haiku-4-5', max_tokens: 512 },
    });
  });

  it('makes spacing and look-alike characters no difference', () => {
    const plain = semanticCachePrompt('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'When does my order ship?' }] });
    const spaced = semanticCachePrompt('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: '  When\u00a0does my\torder   ship？ ' }] });
    expect(spaced).toEqual(plain);
  });

  it('does not look up a prompt that holds more than text: an image, a tool call, a tool result, a function output', () => {
    const image = { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] };
    expect(semanticCachePrompt('/v1/chat/completions', image)).toEqual({ ok: false, reason: 'not_text' });
    const toolCall = { model: 'm', messages: [{ role: 'user', content: 'Weather?' }, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'w', arguments: '{}' } }] }] };
    expect(semanticCachePrompt('/v1/chat/completions', toolCall)).toEqual({ ok: false, reason: 'not_text' });
    const toolResult = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'sunny' }] }] };
    expect(semanticCachePrompt('/v1/messages', toolResult)).toEqual({ ok: false, reason: 'not_text' });
    const output = { model: 'm', input: [{ type: 'function_call_output', call_id: 'c', output: 'sunny' }] };
    expect(semanticCachePrompt('/v1/responses', output)).toEqual({ ok: false, reason: 'not_text' });
  });

  it('does not look up embeddings, an empty prompt, or one too long to embed whole', () => {
    expect(semanticCachePrompt('/v1/embeddings', { model: 'm', input: 'x' })).toEqual({ ok: false, reason: 'route' });
    expect(semanticCachePrompt('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: '   ' }] })).toEqual({ ok: false, reason: 'empty' });
    expect(semanticCachePrompt('/v1/chat/completions', { model: 'm', messages: [{ role: 'user', content: 'word '.repeat(6000) }] })).toEqual({ ok: false, reason: 'too_long' });
  });
});

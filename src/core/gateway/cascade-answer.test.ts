import { describe, expect, it } from 'vitest';
import { answerFormatOf, readAnswer, readStreamedAnswer, type ParsedStreamEvent } from './cascade-answer.js';

const events = (...data: unknown[]): ParsedStreamEvent[] => data.map((item) => ({ event: undefined, data: item }));

describe('answerFormatOf', () => {
  it('knows the routes that generate text, and no other', () => {
    expect(answerFormatOf('/v1/chat/completions')).toBe('chat');
    expect(answerFormatOf('/v1/responses')).toBe('responses');
    expect(answerFormatOf('/v1/messages')).toBe('messages');
    expect(answerFormatOf('/v1/embeddings')).toBeUndefined();
  });
});

describe('readAnswer', () => {
  it('reads a chat completion, finish_reason length as cut off', () => {
    const body = (finish: string) => ({ choices: [{ index: 0, message: { role: 'assistant', content: '{"a":1}' }, finish_reason: finish }] });
    expect(readAnswer('chat', body('stop'))).toEqual({ truncated: false, text: '{"a":1}' });
    expect(readAnswer('chat', body('length'))).toEqual({ truncated: true, text: '{"a":1}' });
    expect(readAnswer('chat', { choices: [{ message: { content: null, tool_calls: [] }, finish_reason: 'tool_calls' }] })).toEqual({ truncated: false, text: '' });
  });

  it('reads a response, incomplete for want of output tokens as cut off', () => {
    const output = [
      { type: 'reasoning', summary: [] },
      { type: 'message', content: [{ type: 'output_text', text: 'Ships ' }, { type: 'output_text', text: 'Thursday.' }] },
    ];
    expect(readAnswer('responses', { status: 'completed', output })).toEqual({ truncated: false, text: 'Ships Thursday.' });
    expect(readAnswer('responses', { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output })).toMatchObject({ truncated: true });
    expect(readAnswer('responses', { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, output })).toMatchObject({ truncated: false });
  });

  it('reads an Anthropic message, stop_reason max_tokens as cut off', () => {
    const content = [{ type: 'thinking', thinking: 'hmm' }, { type: 'text', text: 'Ships ' }, { type: 'text', text: 'Thursday.' }];
    expect(readAnswer('messages', { content, stop_reason: 'end_turn' })).toEqual({ truncated: false, text: 'Ships Thursday.' });
    expect(readAnswer('messages', { content, stop_reason: 'max_tokens' })).toEqual({ truncated: true, text: 'Ships Thursday.' });
  });
});

describe('readStreamedAnswer', () => {
  it('joins the deltas of a chat stream and reads its finish reason', () => {
    const chunk = (delta: object, finish: string | null = null) => ({ choices: [{ index: 0, delta, finish_reason: finish }] });
    const stream = events(chunk({ role: 'assistant', content: '' }), chunk({ content: 'Ships ' }), chunk({ content: 'Thursday.' }), chunk({}, 'length'), { choices: [], usage: {} }, undefined);
    expect(readStreamedAnswer('chat', stream)).toEqual({ truncated: true, text: 'Ships Thursday.' });
  });

  it('reads a Responses stream from its final event', () => {
    const final = { type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, output: [{ type: 'message', content: [{ type: 'output_text', text: 'Ships' }] }] } };
    expect(readStreamedAnswer('responses', events({ type: 'response.output_text.delta', delta: 'Ships' }, final))).toEqual({ truncated: true, text: 'Ships' });
    expect(readStreamedAnswer('responses', events({ type: 'response.output_text.delta', delta: 'Ships' }))).toEqual({ truncated: false, text: 'Ships' });
  });

  it('joins the text deltas of an Anthropic stream and reads max_tokens from message_delta', () => {
    const stream = events(
      { type: 'message_start', message: { content: [] } },
      { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Ships ' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Thursday.' } },
      { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 5 } },
    );
    expect(readStreamedAnswer('messages', stream)).toEqual({ truncated: true, text: 'Ships Thursday.' });
  });
});

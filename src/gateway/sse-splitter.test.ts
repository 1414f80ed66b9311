import { describe, expect, it } from 'vitest';
import { SseSplitter } from './sse-splitter.js';

describe('SseSplitter', () => {
  it('returns each event once its blank line has arrived, however the chunks cut it', () => {
    const splitter = new SseSplitter();
    expect(splitter.push('event: message_start\nda')).toEqual([]);
    expect(splitter.push('ta: {"a":1}\n\ndata: [DO')).toEqual([{ event: 'message_start', data: '{"a":1}', raw: 'event: message_start\ndata: {"a":1}\n\n' }]);
    expect(splitter.push('NE]\n\n')).toEqual([{ event: undefined, data: '[DONE]', raw: 'data: [DONE]\n\n' }]);
  });

  it('reads CRLF line ends and joins multi-line data', () => {
    const splitter = new SseSplitter();
    expect(splitter.push('data: one\r\ndata: two\r\n\r\n')).toEqual([{ event: undefined, data: 'one\ntwo', raw: 'data: one\ndata: two\n\n' }]);
  });

  it('hands back an event the upstream did not end with a blank line', () => {
    const splitter = new SseSplitter();
    splitter.push('data: {"last":true}');
    expect(splitter.finish()).toEqual([{ event: undefined, data: '{"last":true}', raw: 'data: {"last":true}\n\n' }]);
  });
});

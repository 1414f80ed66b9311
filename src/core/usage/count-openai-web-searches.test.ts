import { describe, expect, it } from 'vitest';
import responsesStream from './fixtures/openai-responses-stream.json' with { type: 'json' };
import { convertOpenaiResponsesStreamUsage } from './convert-openai-stream-usage.js';
import { countOpenaiResponsesWebSearches } from './count-openai-web-searches.js';

// The output of a Responses API answer that searched twice before writing its message, as the API sends it.
const searchedOutput = [
  { type: 'web_search_call', id: 'ws_68c1a2b3c4d5e6f70001', status: 'completed', action: { type: 'search', query: 'claude prompt caching price' } },
  { type: 'web_search_call', id: 'ws_68c1a2b3c4d5e6f70002', status: 'completed', action: { type: 'search', query: 'anthropic web search price per 1000' } },
  { type: 'message', id: 'msg_68c1a2b3c4d5e6f70003', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Searches cost $10 per 1,000.', annotations: [] }] },
];

describe('countOpenaiResponsesWebSearches', () => {
  it('counts one search per web_search_call output item, which the usage object does not count', () => {
    expect(countOpenaiResponsesWebSearches({ object: 'response', output: searchedOutput })).toBe(2);
    expect(countOpenaiResponsesWebSearches({ object: 'response', output: [searchedOutput[2]] })).toBe(0);
    expect(countOpenaiResponsesWebSearches({ object: 'response', output: null })).toBe(0);
    expect(countOpenaiResponsesWebSearches(undefined)).toBe(0);
  });

  it('counts the searches of a stream from the response its final event carries', () => {
    const final = responsesStream.findLast((event) => event.type === 'response.completed')!;
    const response = final.response!;
    const searched = { ...final, response: { ...response, output: [...searchedOutput, ...response.output] } };
    const usage = convertOpenaiResponsesStreamUsage([...responsesStream.slice(0, -1), searched]);
    expect(usage.webSearchRequests).toBe(2);
    expect(usage.input.total).toBe(convertOpenaiResponsesStreamUsage(responsesStream).input.total);
    expect(convertOpenaiResponsesStreamUsage(responsesStream).webSearchRequests).toBe(0);
  });
});

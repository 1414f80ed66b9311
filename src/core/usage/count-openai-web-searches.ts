/**
 * The web searches an OpenAI Responses API response ran: its `web_search_call` output items, one per call
 * of the web search tool, which OpenAI bills per call. The Responses `usage` object does not count them,
 * so they are read from the response's `output`; a converter given only `usage` cannot see them.
 */
export function countOpenaiResponsesWebSearches(response: unknown): number {
  const output = typeof response === 'object' && response !== null ? (response as { output?: unknown }).output : undefined;
  if (!Array.isArray(output)) return 0;
  let searches = 0;
  for (const item of output) {
    if (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'web_search_call') searches += 1;
  }
  return searches;
}

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake provider received, body parsed from JSON (or the raw text if it was not JSON). */
export interface FakeProviderRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** A running fake provider. Clients use baseURL `${url}/v1` for openai and `${url}` for anthropic. */
export interface FakeProvider {
  /** e.g. http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  /** Every request received, in order. */
  requests: FakeProviderRequest[];
  /** Stops the server, cutting any stream still open. */
  close(): Promise<void>;
}

/** Per-test knobs; every one is optional and the defaults answer at once with a short text. */
export interface FakeProviderOptions {
  /** Answer every request (or only the first `times`) with this status and JSON body instead of a result. */
  failWith?: { status: number; body: unknown; times?: number };
  /** Wait this long before answering, so that a test can time a call out or abort it before any byte. */
  delayMs?: number;
  /** Wait this long before answering an embeddings request only, so that a test can time out a semantic cache lookup. */
  embeddingDelayMs?: number;
  /** The length of the embeddings returned (default 4): more makes their similarities tell texts apart, as a real model's do. */
  embeddingDimensions?: number;
  /** Wait this long between the events of a stream, so that a test can abort mid-stream. */
  streamDelayMs?: number;
  /** End every stream after this many events with the provider's own in-stream error event, as an overloaded API does. */
  streamErrorAfter?: number;
  /** The assistant's answer; streams send it one word per delta. */
  text?: string;
  /** The answer of particular models, over `text`: a cascade's cheap model can answer otherwise than its capable one. */
  textByModel?: Record<string, string>;
  /** Models whose answers stop at their output limit: finish_reason length, an incomplete response, stop_reason max_tokens. */
  truncatedModels?: string[];
  /**
   * Ids are `chatcmpl-<idPrefix><n>`, `resp_<idPrefix><n>`, `msg_<idPrefix><n>` for the n-th request on this
   * server. Default 'fake'. Give each fake its own prefix when events of several reach one unitcost
   * server, which would otherwise refuse the same id with other content as a conflict.
   */
  idPrefix?: string;
  /**
   * Server-side web searches per answer: Anthropic reports them in `usage.server_tool_use` (a stream's
   * message_delta); a Responses API answer carries as many `web_search_call` output items before its message.
   */
  webSearchRequests?: number;
}

/**
 * The exact usage objects the fake returns, so that tests assert exact token counts. The Anthropic one
 * is a cached call: its `input_tokens` are the uncached part only, as Anthropic sends them.
 */
export const fakeUsage = {
  openaiChat: {
    prompt_tokens: 2306,
    completion_tokens: 1148,
    total_tokens: 3454,
    prompt_tokens_details: { cached_tokens: 1920, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 896, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  },
  openaiResponses: {
    input_tokens: 5120,
    input_tokens_details: { cached_tokens: 4096 },
    output_tokens: 730,
    output_tokens_details: { reasoning_tokens: 512 },
    total_tokens: 5850,
  },
  anthropic: {
    input_tokens: 42,
    cache_creation_input_tokens: 2150,
    cache_read_input_tokens: 38210,
    cache_creation: { ephemeral_5m_input_tokens: 2000, ephemeral_1h_input_tokens: 150 },
    output_tokens: 611,
    service_tier: 'standard',
  },
  embeddings: { prompt_tokens: 9, total_tokens: 9 },
} as const;

const defaultText = 'Your order ships on Thursday.';
// Fixed so that two clients sent the same requests get deep-equal results; only ids count requests.
const created = 1754006760;

type Json = Record<string, any>;
type Reply = (response: ServerResponse, request: Json, sequence: number, options: FakeProviderOptions) => Promise<void>;

/**
 * Starts a fake OpenAI + Anthropic provider on loopback that speaks their wire formats, streams (SSE)
 * included: POST /v1/chat/completions, /v1/responses, /v1/embeddings and /v1/messages. Ids end in the
 * request's sequence number on this server; everything else, `created` included, is fixed.
 */
export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: FakeProviderRequest[] = [];
  let failuresLeft = options.failWith ? (options.failWith.times ?? Number.POSITIVE_INFINITY) : 0;
  const server = createServer((incoming, response) => {
    void handle(incoming, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: { message: String(error), type: 'server_error' } });
      else response.destroy();
    });
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = await readBody(incoming);
    let body: any = text;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      // Kept as text: the test may be checking what a client sent that was not JSON.
    }
    const path = (incoming.url ?? '/').split('?')[0]!;
    requests.push({ method: incoming.method ?? 'GET', path, headers: incoming.headers, body });
    const sequence = requests.length;
    // OpenAI names its request id x-request-id, Anthropic request-id; the SDKs expose them as _request_id.
    response.setHeader('x-request-id', `req_${options.idPrefix ?? 'fake'}${sequence}`);
    response.setHeader('request-id', `req_${options.idPrefix ?? 'fake'}${sequence}`);
    if (options.delayMs) await sleep(options.delayMs);
    if (failuresLeft > 0 && options.failWith) {
      failuresLeft -= 1;
      sendJson(response, options.failWith.status, options.failWith.body);
      return;
    }
    const reply = incoming.method === 'POST' ? routes[path] : undefined;
    if (!reply) {
      sendJson(response, 404, { error: { message: `fake provider has no route ${incoming.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    await reply(response, (typeof body === 'object' && body !== null ? body : {}) as Json, sequence, options);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const routes: Record<string, Reply> = {
  '/v1/chat/completions': replyChat,
  '/v1/responses': replyResponses,
  '/v1/embeddings': replyEmbeddings,
  '/v1/messages': replyMessages,
};

async function replyChat(response: ServerResponse, request: Json, sequence: number, options: FakeProviderOptions): Promise<void> {
  const model = modelOf(request, 'gpt-4.1');
  const text = options.textByModel?.[model] ?? options.text ?? defaultText;
  const truncated = options.truncatedModels?.includes(model) === true;
  const id = `chatcmpl-${options.idPrefix ?? 'fake'}${sequence}`;
  const head = { created, model, service_tier: 'default', system_fingerprint: 'fp_fake' };
  if (request.stream !== true) {
    sendJson(response, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null, annotations: [] }, logprobs: null, finish_reason: truncated ? 'length' : 'stop' }],
      usage: fakeUsage.openaiChat,
      service_tier: 'default',
      system_fingerprint: 'fp_fake',
    });
    return;
  }
  // OpenAI sends `usage: null` on every chunk, and a last chunk with no choices, only when asked to.
  const includeUsage = request.stream_options?.include_usage === true;
  const chunk = (delta: Json, finishReason: string | null = null): Json => ({
    id,
    object: 'chat.completion.chunk',
    ...head,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const chunks: Json[] = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const word of words(text)) chunks.push(chunk({ content: word }));
  chunks.push(chunk({}, truncated ? 'length' : 'stop'));
  if (includeUsage) chunks.push({ id, object: 'chat.completion.chunk', ...head, choices: [], usage: fakeUsage.openaiChat });
  await sendEvents(
    response,
    [...chunks.map((data) => ({ data: JSON.stringify(data) })), { data: '[DONE]' }],
    options,
    // OpenAI's chat streams carry an error as a data line with an `error` member.
    { data: JSON.stringify({ error: { message: 'The server is overloaded.', type: 'server_error', param: null, code: null } }) },
  );
}

async function replyResponses(response: ServerResponse, request: Json, sequence: number, options: FakeProviderOptions): Promise<void> {
  const model = modelOf(request, 'gpt-5-mini');
  const text = options.textByModel?.[model] ?? options.text ?? defaultText;
  const truncated = options.truncatedModels?.includes(model) === true;
  const id = `resp_${options.idPrefix ?? 'fake'}${sequence}`;
  const messageId = `msg_${options.idPrefix ?? 'fake'}${sequence}`;
  const base = {
    id,
    object: 'response',
    created_at: created,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: request.instructions ?? null,
    max_output_tokens: request.max_output_tokens ?? null,
    model,
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: 'medium', summary: null },
    service_tier: 'default',
    store: true,
    temperature: 1,
    text: { format: { type: 'text' }, verbosity: 'medium' },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    user: null,
    metadata: {},
  };
  const part = { type: 'output_text', annotations: [], logprobs: [], text };
  const item = { id: messageId, type: 'message', status: 'completed', content: [part], role: 'assistant' };
  const completed = { ...base, status: truncated ? 'incomplete' : 'completed', ...(truncated ? { incomplete_details: { reason: 'max_output_tokens' } } : {}), output: [...webSearchCalls(options, sequence), item], usage: fakeUsage.openaiResponses };
  if (request.stream !== true) {
    sendJson(response, 200, completed);
    return;
  }
  const inProgress = { ...base, status: 'in_progress', output: [], usage: null };
  const events: Json[] = [
    { type: 'response.created', response: inProgress },
    { type: 'response.in_progress', response: inProgress },
    { type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: messageId, output_index: 0, content_index: 0, part: { ...part, text: '' } },
    ...words(text).map((delta) => ({ type: 'response.output_text.delta', item_id: messageId, output_index: 0, content_index: 0, delta, logprobs: [] })),
    { type: 'response.output_text.done', item_id: messageId, output_index: 0, content_index: 0, text, logprobs: [] },
    { type: 'response.content_part.done', item_id: messageId, output_index: 0, content_index: 0, part },
    { type: 'response.output_item.done', output_index: 0, item },
    { type: truncated ? 'response.incomplete' : 'response.completed', response: completed },
  ];
  await sendEvents(
    response,
    events.map((event, index) => ({ event: event.type, data: JSON.stringify({ ...event, sequence_number: index }) })),
    options,
    { event: 'error', data: JSON.stringify({ type: 'error', code: 'server_error', message: 'The server is overloaded.', param: null, sequence_number: events.length }) },
  );
}

async function replyEmbeddings(response: ServerResponse, request: Json, _sequence: number, options: FakeProviderOptions): Promise<void> {
  if (options.embeddingDelayMs) await sleep(options.embeddingDelayMs);
  const inputs = Array.isArray(request.input) ? request.input : [request.input];
  // The openai SDK asks for base64 unless the caller chose a format, and decodes it to floats itself.
  const base64 = request.encoding_format === 'base64';
  const encoded = (input: unknown): number[] | string => {
    // The length asked for, as text-embedding-3-* honour `dimensions`.
    const vector = trigramVector(String(input), typeof request.dimensions === 'number' ? request.dimensions : (options.embeddingDimensions ?? 4));
    return base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
  };
  sendJson(response, 200, {
    object: 'list',
    data: inputs.map((input: unknown, index: number) => ({ object: 'embedding', index, embedding: encoded(input) })),
    model: modelOf(request, 'text-embedding-3-small'),
    usage: fakeUsage.embeddings,
  });
}

function webSearchCalls(options: FakeProviderOptions, sequence: number): Json[] {
  return Array.from({ length: options.webSearchRequests ?? 0 }, (_, index) => ({
    id: `ws_${options.idPrefix ?? 'fake'}${sequence}_${index}`,
    type: 'web_search_call',
    status: 'completed',
    action: { type: 'search', query: 'order shipping times' },
  }));
}

function serverToolUse(options: FakeProviderOptions): Json {
  return options.webSearchRequests === undefined ? {} : { server_tool_use: { web_search_requests: options.webSearchRequests } };
}

async function replyMessages(response: ServerResponse, request: Json, sequence: number, options: FakeProviderOptions): Promise<void> {
  const model = modelOf(request, 'claude-sonnet-4-5');
  const text = options.textByModel?.[model] ?? options.text ?? defaultText;
  const truncated = options.truncatedModels?.includes(model) === true;
  const id = `msg_${options.idPrefix ?? 'fake'}${sequence}`;
  if (request.stream !== true) {
    sendJson(response, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text }],
      stop_reason: truncated ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      usage: { ...fakeUsage.anthropic, ...serverToolUse(options) },
    });
    return;
  }
  // message_start carries the input counts with output_tokens 1; message_delta the cumulative output.
  const events: Json[] = [
    {
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...fakeUsage.anthropic, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'ping' },
    ...words(text).map((word) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } })),
    { type: 'content_block_stop', index: 0 },
    { type: 'message_delta', delta: { stop_reason: truncated ? 'max_tokens' : 'end_turn', stop_sequence: null }, usage: { output_tokens: fakeUsage.anthropic.output_tokens, ...serverToolUse(options) } },
    { type: 'message_stop' },
  ];
  await sendEvents(
    response,
    events.map((event) => ({ event: event.type, data: JSON.stringify(event) })),
    options,
    { event: 'error', data: JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }) },
  );
}

type ServerSentEvent = { event?: string; data: string };

async function sendEvents(response: ServerResponse, events: ServerSentEvent[], options: FakeProviderOptions, errorEvent: ServerSentEvent): Promise<void> {
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const sent = options.streamErrorAfter === undefined ? events : [...events.slice(0, options.streamErrorAfter), errorEvent];
  for (const [index, { event, data }] of sent.entries()) {
    if (response.destroyed || response.writableEnded) return;
    if (index > 0 && options.streamDelayMs) await sleep(options.streamDelayMs);
    if (response.destroyed) return;
    response.write(`${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`);
  }
  response.end();
}

/**
 * A stand-in for an embedding model: the text's character trigrams (lowercased), each hashed (FNV-1a) to a
 * dimension and a sign. Texts that share most trigrams (a typo, a word more) are close in cosine similarity,
 * texts that share few are far, which is all a semantic cache needs to be tested against.
 */
function trigramVector(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const padded = `  ${text.toLowerCase()} `;
  for (let index = 0; index + 3 <= padded.length; index += 1) {
    let hash = 0x811c9dc5;
    for (const character of padded.slice(index, index + 3)) hash = Math.imul(hash ^ character.charCodeAt(0), 0x01000193) >>> 0;
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  return vector;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

function modelOf(request: Json, fallback: string): string {
  return typeof request.model === 'string' && request.model !== '' ? request.model : fallback;
}

// Splits after each space, keeping it, so that the deltas join back into exactly the text.
function words(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    incoming.on('data', (part: Buffer) => parts.push(part));
    incoming.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    incoming.on('error', reject);
  });
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

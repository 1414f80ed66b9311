/**
 * A request split for the semantic cache: its prompt as one normalized text, which is embedded and compared
 * by meaning, and the rest of its body, which must match exactly. Or why it is not looked up at all.
 */
export type SemanticCachePrompt = { ok: true; text: string; rest: Record<string, unknown> } | { ok: false; reason: SemanticCacheSkip };

/**
 * Why a request is not looked up: its route has no prompt to compare (embeddings), its prompt holds more than
 * text (an image, audio, a tool call or result, whose meaning an embedding of the text would miss), it has no
 * text, or it is too long to embed whole.
 */
export type SemanticCacheSkip = 'route' | 'not_text' | 'empty' | 'too_long';

// OpenAI's embedding models take at most 8,191 tokens. A prompt cut to fit would match every prompt that shares
// its beginning (a long conversation differs at its end), so a longer one is not looked up at all.
const maxPromptLength = 24_000;

// The body fields that hold the prompt, per route; everything else in the body is compared exactly.
const promptFields: Record<string, readonly string[]> = {
  '/v1/chat/completions': ['messages'],
  '/v1/responses': ['input', 'instructions'],
  '/v1/messages': ['system', 'messages'],
};

type Lines = string[] | undefined;

/**
 * Reads the prompt of a Chat Completions, Responses or Anthropic Messages request as lines of `role: text`
 * (system first, then each message in order), each text with its whitespace collapsed and its Unicode
 * normalized (NFKC), so that spacing and look-alike characters do not make two prompts differ.
 */
export function semanticCachePrompt(route: string, body: Record<string, unknown>): SemanticCachePrompt {
  const fields = promptFields[route];
  if (fields === undefined) return { ok: false, reason: 'route' };
  const lines =
    route === '/v1/chat/completions' ? messageLines(body.messages, chatParts) : route === '/v1/responses' ? responsesLines(body) : anthropicLines(body);
  if (lines === undefined) return { ok: false, reason: 'not_text' };
  const text = lines.filter((line) => !line.endsWith(': ')).join('\n');
  if (text === '') return { ok: false, reason: 'empty' };
  if (text.length > maxPromptLength) return { ok: false, reason: 'too_long' };
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) if (!fields.includes(field)) rest[field] = value;
  return { ok: true, text, rest };
}

function normalized(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, ' ').trim();
}

function line(role: string, text: string): string {
  return `${role}: ${normalized(text)}`;
}

// Content as a string, or a list of parts of which only text ones are understood: any other part makes the prompt not text.
function contentText(content: unknown, textTypes: ReadonlySet<string>): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  const texts: string[] = [];
  for (const part of content) {
    const fields = typeof part === 'object' && part !== null ? (part as Record<string, unknown>) : {};
    if (typeof fields.type !== 'string' || !textTypes.has(fields.type) || typeof fields.text !== 'string') return undefined;
    texts.push(fields.text);
  }
  return texts.join(' ');
}

const chatParts = new Set(['text', 'refusal']);
const responsesParts = new Set(['input_text', 'output_text']);
const anthropicParts = new Set(['text']);

function messageLines(messages: unknown, textTypes: ReadonlySet<string>): Lines {
  if (!Array.isArray(messages)) return undefined;
  const lines: string[] = [];
  for (const message of messages) {
    const fields = typeof message === 'object' && message !== null ? (message as Record<string, unknown>) : {};
    // A tool call or its result is structured data the model acts on, not a question to paraphrase.
    if (typeof fields.role !== 'string' || fields.role === 'tool' || fields.role === 'function' || fields.tool_calls != null || fields.function_call != null) return undefined;
    const text = contentText(fields.content ?? (fields.refusal === undefined ? undefined : [{ type: 'refusal', text: fields.refusal }]), textTypes);
    if (text === undefined) return undefined;
    lines.push(line(fields.role, text));
  }
  return lines;
}

function responsesLines(body: Record<string, unknown>): Lines {
  const lines: string[] = [];
  if (typeof body.instructions === 'string') lines.push(line('instructions', body.instructions));
  else if (body.instructions != null) return undefined;
  if (typeof body.input === 'string') return [...lines, line('user', body.input)];
  if (!Array.isArray(body.input)) return undefined;
  // Only message items: a function call, its output or a reasoning item is not text to compare.
  for (const item of body.input) {
    const fields = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
    if (fields.type !== undefined && fields.type !== 'message') return undefined;
    if (typeof fields.role !== 'string') return undefined;
    const text = contentText(fields.content, responsesParts);
    if (text === undefined) return undefined;
    lines.push(line(fields.role, text));
  }
  return lines;
}

function anthropicLines(body: Record<string, unknown>): Lines {
  const lines: string[] = [];
  if (body.system != null) {
    const system = contentText(body.system, anthropicParts);
    if (system === undefined) return undefined;
    lines.push(line('system', system));
  }
  const messages = messageLines(body.messages, anthropicParts);
  return messages === undefined ? undefined : [...lines, ...messages];
}

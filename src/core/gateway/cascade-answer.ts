/** The wire formats whose answers a cascade can judge: those that generate text. */
export type AnswerFormat = 'chat' | 'responses' | 'messages';

/** What a cascade's checks read of an answer: whether it stopped at its output limit, and its text. */
export interface CascadeAnswer {
  /** True when the model ran out of output tokens: finish_reason length, stop_reason max_tokens, or an incomplete response. */
  truncated: boolean;
  /** The generated text, its parts joined; tool calls and refusals are not text. */
  text: string;
}

/** One event of a stream, its data parsed from JSON (undefined when it was not JSON, e.g. [DONE]). */
export interface ParsedStreamEvent {
  event: string | undefined;
  data: unknown;
}

const formats: Record<string, AnswerFormat> = { '/v1/chat/completions': 'chat', '/v1/responses': 'responses', '/v1/messages': 'messages' };

/** The answer format of a gateway route, or undefined for a route that generates no text (embeddings). */
export function answerFormatOf(route: string): AnswerFormat | undefined {
  return formats[route];
}

/** Reads a whole (not streamed) answer of the given format. */
export function readAnswer(format: AnswerFormat, body: unknown): CascadeAnswer {
  switch (format) {
    case 'chat': {
      const choice = first(field(body, 'choices'));
      const content = field(field(choice, 'message'), 'content');
      return { truncated: field(choice, 'finish_reason') === 'length', text: typeof content === 'string' ? content : '' };
    }
    case 'responses':
      return readResponse(body);
    case 'messages':
      return { truncated: field(body, 'stop_reason') === 'max_tokens', text: textBlocks(field(body, 'content')) };
  }
}

/** Reads a streamed answer from its events, as the client would have assembled it. */
export function readStreamedAnswer(format: AnswerFormat, events: readonly ParsedStreamEvent[]): CascadeAnswer {
  switch (format) {
    case 'chat': {
      let text = '';
      let truncated = false;
      for (const { data } of events) {
        // Only the first choice: a cascade judges the answer a client reads, and n > 1 is rare on the paths that cascade.
        const choice = (list(field(data, 'choices')) ?? []).find((candidate) => (field(candidate, 'index') ?? 0) === 0);
        const content = field(field(choice, 'delta'), 'content');
        if (typeof content === 'string') text += content;
        if (field(choice, 'finish_reason') === 'length') truncated = true;
      }
      return { truncated, text };
    }
    case 'responses': {
      // The final event carries the whole response, as a non-streamed call would have returned it.
      const final = events.findLast(({ data }) => ['response.completed', 'response.incomplete', 'response.failed'].includes(String(field(data, 'type'))));
      if (final !== undefined) return readResponse(field(final.data, 'response'));
      const text = events.filter(({ data }) => field(data, 'type') === 'response.output_text.delta').map(({ data }) => String(field(data, 'delta') ?? '')).join('');
      return { truncated: false, text };
    }
    case 'messages': {
      let text = '';
      let truncated = false;
      for (const { data } of events) {
        const type = field(data, 'type');
        const delta = field(data, 'delta');
        if (type === 'content_block_delta' && field(delta, 'type') === 'text_delta') text += String(field(delta, 'text') ?? '');
        if (type === 'message_delta' && field(delta, 'stop_reason') === 'max_tokens') truncated = true;
      }
      return { truncated, text };
    }
  }
}

// A Responses API answer: `incomplete` for want of output tokens is the same failure as finish_reason length.
function readResponse(response: unknown): CascadeAnswer {
  const truncated = field(response, 'status') === 'incomplete' && field(field(response, 'incomplete_details'), 'reason') === 'max_output_tokens';
  const parts: string[] = [];
  for (const item of list(field(response, 'output')) ?? []) {
    if (field(item, 'type') !== 'message') continue;
    for (const part of list(field(item, 'content')) ?? []) {
      const text = field(part, 'text');
      if (field(part, 'type') === 'output_text' && typeof text === 'string') parts.push(text);
    }
  }
  return { truncated, text: parts.join('') };
}

function textBlocks(content: unknown): string {
  return (list(content) ?? [])
    .filter((block) => field(block, 'type') === 'text')
    .map((block) => String(field(block, 'text') ?? ''))
    .join('');
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function list(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

function first(value: unknown): unknown {
  return list(value)?.[0];
}
